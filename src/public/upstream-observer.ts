/**
 * What the proxy reports of each request it passed on: the upstream's
 * status, or that it never answered; `client` is who the health gate counts
 * it for (judgedClientOf), null when it judges nobody's; `node`, the
 * application node that answered (or did not).
 */
export interface UpstreamObserver {
  response (status: number, latencyMs: number, client: string | null, node?: string): void
  failure (timedOut: boolean, latencyMs: number, client: string | null, node?: string): void
}
