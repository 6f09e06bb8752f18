import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CONSOLE_PAGE, loadConsoleShell, type ConsoleFile, type ConsoleShell } from './console-assets.js'

export interface ConsoleOptions {
  /** the shell to serve; read from the package's assets when absent */
  shell?: ConsoleShell
  /** where the assets are, when `shell` is absent (tests) */
  assetsDir?: string
}

/**
 * No inline script or style and nothing from elsewhere: the page talks only
 * to this listener, and no other site may frame it or learn its address.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-cache'
}

function send (request: FastifyRequest, reply: FastifyReply, file: ConsoleFile): FastifyReply {
  reply.headers(CONSOLE_HEADERS).header('etag', file.etag).type(file.contentType)
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  return reply.send(file.body)
}

/**
 * The admin console's static shell: a page and its scripts, with no data in
 * them. The admin app lets exactly these paths through without a token;
 * everything the page shows comes from /v1 calls that carry one.
 */
export async function consoleRoutes (app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  let shell: ConsoleShell
  try {
    shell = options.shell ?? loadConsoleShell(options.assetsDir)
  } catch (err) {
    // a console that cannot load must not keep the admin API from starting
    app.log.error({ err }, 'the admin console is unavailable')
    const message = `the admin console is unavailable: ${(err as Error).message}`
    app.get(CONSOLE_PAGE, async (_request, reply) => reply.code(503).headers(CONSOLE_HEADERS).type('text/plain; charset=utf-8').send(message))
    return
  }

  app.get(CONSOLE_PAGE, async (request, reply) => send(request, reply, shell.page))
  for (const [name, file] of shell.files) {
    app.get(`${CONSOLE_PAGE}/${name}`, async (request, reply) => send(request, reply, file))
  }
}
