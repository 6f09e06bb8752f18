import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GateSnapshot } from '../gate/snapshot.js'
import type { RenderPage } from '../page/template.js'
import {
  etaTextOf, maintenanceFacts, maintenanceJson, prefersJson, refreshSecondsOf, type MaintenanceFacts
} from '../runtime/maintenance.js'

export const STATUS_PATH = '/__gatekeeper/status'

export interface MaintenanceOptions {
  statusCode: number
  defaultRetryAfter: number
  forHost: (host: string | undefined) => RenderPage
}

type Template = RenderPage

/** One maintenance answer: its headers (a flat list, as Node writes them) and its body. */
interface Answer {
  headers: string[]
  body: Buffer
}

/**
 * The maintenance response. The page is rendered once per state and
 * template; the headers and the JSON body, which count down to the expected
 * end, once per second. A closed site under a crowd costs a lookup and a
 * write per request, whether to a request or an upgrade.
 */
export function createMaintenanceReply (options: MaintenanceOptions) {
  const { statusCode, defaultRetryAfter, forHost } = options
  let pagesOf: GateSnapshot | null = null
  let pages = new Map<Template, Buffer>()
  let answersOf: GateSnapshot | null = null
  let answersSecond = -1
  let json: Answer | null = null
  let htmls = new Map<Template, Answer>()
  let facts: MaintenanceFacts = { reason: '', eta: '', retryAfter: defaultRetryAfter }

  function page (snapshot: GateSnapshot, template: Template, facts: MaintenanceFacts): Buffer {
    if (snapshot !== pagesOf) {
      pages = new Map()
      pagesOf = snapshot
    }
    let body = pages.get(template)
    if (body === undefined) {
      body = Buffer.from(template({
        reason: facts.reason,
        eta: facts.eta,
        etaText: etaTextOf(facts.eta),
        retryAfter: facts.retryAfter,
        statusPath: STATUS_PATH,
        refreshSeconds: refreshSecondsOf(facts.retryAfter)
      }))
      pages.set(template, body)
    }
    return body
  }

  function answerFor (snapshot: GateSnapshot, host: string | undefined, accept: string | undefined, now: number): Answer {
    const second = Math.floor(now / 1000)
    if (snapshot !== answersOf || second !== answersSecond) {
      answersOf = snapshot
      answersSecond = second
      facts = maintenanceFacts(snapshot.state, defaultRetryAfter, now)
      json = null
      htmls = new Map()
    }
    const common = ['retry-after', String(facts.retryAfter), 'cache-control', 'no-store', 'vary', 'Accept']
    if (prefersJson(accept)) {
      if (json === null) {
        const body = Buffer.from(maintenanceJson(statusCode, facts))
        json = { headers: [...common, 'content-type', 'application/json; charset=utf-8', 'x-content-type-options', 'nosniff', 'content-length', String(body.length)], body }
      }
      return json
    }
    const template = forHost(host)
    let answer = htmls.get(template)
    if (answer === undefined) {
      const body = page(snapshot, template, facts)
      answer = {
        // the page's Content-Security-Policy and nosniff come with it (src/page/template.ts)
        headers: [...common, 'content-type', 'text/html; charset=utf-8', ...template.headers, 'refresh', String(refreshSecondsOf(facts.retryAfter)), 'content-length', String(body.length)],
        body
      }
      htmls.set(template, answer)
    }
    return answer
  }

  return {
    /** Straight to Node's response; `cookie` is the staged sticky cookie, when one is due. */
    write (request: IncomingMessage, response: ServerResponse, snapshot: GateSnapshot, now: number, cookie: string | undefined): void {
      const { headers, body } = answerFor(snapshot, request.headers.host, request.headers.accept, now)
      response.writeHead(statusCode, cookie === undefined ? headers : [...headers, 'set-cookie', cookie])
      response.end(request.method === 'HEAD' ? undefined : body)
    }
  }
}

export type MaintenanceReply = ReturnType<typeof createMaintenanceReply>
