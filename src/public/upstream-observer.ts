/**
 * What the proxy reports of each request it passed on: the upstream's
 * status, or that it never answered; `client` is who the health gate counts
 * it for (judgedClientOf), null when it judges nobody's.
 */
export interface UpstreamObserver {
  response (status: number, latencyMs: number, client: string | null): void
  failure (timedOut: boolean, latencyMs: number, client: string | null): void
}

/** What the gate writes on each request for the proxy and the upstream pass to read. */
declare module 'fastify' {
  interface FastifyRequest {
    gkClientIp: string
    /** when the gate passed the request on (epoch ms): the upstream's latency is counted from here */
    gkPassedAt: number
    /** who the health gate counts the upstream's answer for; null for nobody */
    gkJudgedClient: string | null
  }
}
