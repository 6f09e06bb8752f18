import { chmod, chown, lstat, mkdir, stat, unlink } from 'node:fs/promises'
import { connect, createServer, type Socket } from 'node:net'
import { dirname } from 'node:path'
import { errors } from '../errors.js'
import { createIptables, type IptablesOptions } from './apply.js'
import { applyState, failClosed, type ApplyOutcome } from './apply-state.js'
import type { FirewallConfig } from './config.js'
import { MAX_REQUEST_BYTES, readHelperRequest, type HelperResponse } from './helper-protocol.js'
import type { FirewallLogger } from './logger.js'
import type { RulesetInput } from './render.js'

export interface HelperServerOptions {
  config: FirewallConfig
  logger: FirewallLogger
  /** defaults to config.helperSocket */
  socketPath?: string
  iptables?: IptablesOptions
}

export interface HelperServer {
  readonly socketPath: string
  /** Stops listening and removes the socket; the rules stay as they are. */
  close (): Promise<void>
}

const CONNECTION_TIMEOUT_MS = 10_000
const SOCKET_MODE = 0o660

/**
 * The privileged half: it runs as root with CAP_NET_ADMIN only, takes a
 * state from whoever may open its socket (mode 0660, the gatekeeper group),
 * checks every field, renders the rules from its own configuration and
 * applies them. The proxy can choose a mode and an allowlist, never a rule.
 */
export async function startHelperServer (options: HelperServerOptions): Promise<HelperServer> {
  const { config, logger } = options
  if (!config.enabled) throw new errors.GK_ERR_CONFIG('firewall.enabled is false: there are no rules for the helper to apply')
  const socketPath = options.socketPath ?? config.helperSocket
  const iptables = createIptables(options.iptables)
  let queue: Promise<unknown> = Promise.resolve()

  function answerOf (outcome: ApplyOutcome, input: RulesetInput): HelperResponse {
    if (outcome.ok) {
      logger.info({ mode: input.mode, allowlist: input.allowlist.length }, 'firewall rules applied')
      return { ok: true, applied: true, appliedAt: new Date().toISOString() }
    }
    logger.error({ mode: input.mode, error: outcome.error, failedClosed: outcome.failedClosed },
      outcome.failedClosed ? 'firewall rules not applied; the protected ports failed closed' : 'firewall rules not applied')
    return { ok: false, applied: false, failedClosed: outcome.failedClosed, ...(outcome.error === undefined ? {} : { error: outcome.error }) }
  }

  function serially (job: () => Promise<HelperResponse>): Promise<HelperResponse> {
    const result = queue.then(job)
    queue = result
    return result
  }

  const applyInput = (input: RulesetInput): Promise<HelperResponse> =>
    serially(async () => answerOf(await applyState(iptables, config, input), input))

  /** A request whose allowlist was refused still names a state: the ports fail closed into it. */
  function handleLine (line: string): Promise<HelperResponse> {
    const request = readHelperRequest(line)
    if (request.ok) return applyInput(request.input)
    logger.warn({ error: request.error, mode: request.mode }, 'firewall helper refused a request')
    const { mode } = request
    if (mode === null) return Promise.resolve({ ok: false, applied: false, error: request.error })
    const state = { mode, ...(request.sites === undefined ? {} : { sites: request.sites }) }
    return serially(async () => answerOf(await failClosed(iptables, config, state, request.error), { ...state, allowlist: [] }))
  }

  // after a reboot nothing guards the ports until the proxy speaks: start closed
  if (!await iptables.present(config.chainPrefix)) {
    const result = await applyInput({ mode: 'closed', allowlist: [] })
    if (result.ok) logger.info({}, 'no Gatekeeper rules were in place: the protected ports start closed until the proxy sends its state')
  }

  await prepareSocketPath(socketPath)
  const server = createServer({ allowHalfOpen: true }, socket => serve(socket, handleLine))
  const umask = process.umask(0o117)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(socketPath, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } finally {
    process.umask(umask)
  }
  await chmod(socketPath, SOCKET_MODE)
  // under systemd the unit's Group= already gave the socket its group, and chown is filtered out
  if (config.helperGroup !== null && (await stat(socketPath)).gid !== config.helperGroup) await chown(socketPath, -1, config.helperGroup)
  logger.info({ socket: socketPath }, 'firewall helper listening')

  return {
    socketPath,
    async close () {
      await new Promise<void>(resolve => server.close(() => resolve()))
      await queue
      await unlink(socketPath).catch(() => {})
    }
  }
}

function serve (socket: Socket, handleLine: (line: string) => Promise<HelperResponse>): void {
  const chunks: Buffer[] = []
  let size = 0
  let received = false
  socket.setTimeout(CONNECTION_TIMEOUT_MS, () => socket.destroy())
  socket.on('error', () => {})

  function answer (response: HelperResponse): void {
    received = true
    socket.end(`${JSON.stringify(response)}\n`)
  }

  function handle (): void {
    received = true
    // the timeout is for a client slow to send; an apply of a large allowlist may take longer
    socket.setTimeout(0)
    handleLine(Buffer.concat(chunks).toString('utf8')).then(answer, (err: unknown) => answer({ ok: false, applied: false, error: String(err) }))
  }

  socket.on('data', (chunk: Buffer) => {
    if (received) return
    const newline = chunk.indexOf(10)
    const part = newline === -1 ? chunk : chunk.subarray(0, newline)
    chunks.push(part)
    size += part.length
    if (size > MAX_REQUEST_BYTES) return answer({ ok: false, applied: false, error: `the request is larger than ${MAX_REQUEST_BYTES} bytes` })
    if (newline !== -1) handle()
  })
  // a client that half-closes instead of ending its line is answered too
  socket.on('end', () => {
    if (!received) handle()
  })
}

/** A stale socket from a helper that died is removed; a live one is not taken over. */
async function prepareSocketPath (socketPath: string): Promise<void> {
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o750 })
  const existing = await lstat(socketPath).catch(() => null)
  if (existing === null) return
  if (!existing.isSocket()) throw new errors.GK_ERR_CONFIG(`firewall.helperSocket: ${socketPath} exists and is not a socket`)
  const alive = await new Promise<boolean>(resolve => {
    const probe = connect(socketPath)
    probe.once('connect', () => { probe.destroy(); resolve(true) })
    probe.once('error', () => resolve(false))
  })
  if (alive) throw new errors.GK_ERR_CONFIG(`firewall.helperSocket: another helper is already listening on ${socketPath}`)
  await unlink(socketPath)
}
