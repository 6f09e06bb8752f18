import type { NodeHealth } from './choose.js'

/** Consecutive connection errors or 502/503/504 answers that take a node down until its check sees it again. */
export const PASSIVE_FALL = 3

/** What a node's health is made of: the verdict and the runs of results that lead to the next one. */
export interface HealthTrack {
  health: NodeHealth
  /** consecutive good active checks */
  passes: number
  /** consecutive failed active checks */
  fails: number
  /** consecutive failed requests (no answer, or 502/503/504) */
  passiveErrors: number
}

export const UNKNOWN_HEALTH: HealthTrack = Object.freeze({ health: 'unknown', passes: 0, fails: 0, passiveErrors: 0 })

/**
 * One active check's result. A node not yet checked is up on its first good
 * check; an up node goes down after `fall` failed checks in a row; a down
 * node comes back after `rise` good checks in a row.
 */
export function afterCheck (track: HealthTrack, ok: boolean, fall: number, rise: number): HealthTrack {
  if (ok) {
    const passes = track.passes + 1
    const up = track.health === 'unknown' || (track.health === 'down' ? passes >= rise : true)
    return { health: up ? 'up' : 'down', passes, fails: 0, passiveErrors: up && track.health === 'down' ? 0 : track.passiveErrors }
  }
  const fails = track.fails + 1
  return { health: track.health === 'down' || fails >= fall ? 'down' : track.health, passes: 0, fails, passiveErrors: track.passiveErrors }
}

/**
 * One passed request's outcome. PASSIVE_FALL failures in a row take the
 * node down; from then on only the active check brings it back (`rise` good
 * checks counted afresh).
 */
export function afterRequest (track: HealthTrack, ok: boolean): HealthTrack {
  if (ok) return track.passiveErrors === 0 ? track : { ...track, passiveErrors: 0 }
  const passiveErrors = track.passiveErrors + 1
  if (track.health !== 'down' && passiveErrors >= PASSIVE_FALL) return { health: 'down', passes: 0, fails: track.fails, passiveErrors }
  return { ...track, passiveErrors }
}

/** Whether an answer counts against its node: the gateway statuses say the node (or what is behind it) is not serving. */
export function isNodeFailureStatus (status: number): boolean {
  return status === 502 || status === 503 || status === 504
}
