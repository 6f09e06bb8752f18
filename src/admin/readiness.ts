/**
 * Whether this instance should be sent work: both listeners up with the
 * state loaded, and not stopping. The state is loaded before either
 * listener opens (a state that cannot be read stops start-up), so the
 * process only has to say when the public listener is up and when it
 * begins to stop; the admin app knows about its own listener.
 */
export interface Readiness {
  publicListening (): void
  /** close() has begun: from here on, never ready again */
  stopping (): void
  check (adminListening: boolean): { ready: boolean, reasons: string[] }
}

export function createReadiness (): Readiness {
  let publicUp = false
  let stopping = false
  return {
    publicListening () { publicUp = true },
    stopping () { stopping = true },
    check (adminListening) {
      const reasons: string[] = []
      if (stopping) reasons.push('the gatekeeper is stopping: it drains what it holds and takes no new work')
      if (!publicUp && !stopping) reasons.push('the public listener is not listening yet')
      if (!adminListening && !stopping) reasons.push('the admin listener is not listening')
      return { ready: reasons.length === 0, reasons }
    }
  }
}
