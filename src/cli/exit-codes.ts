/**
 * What `gatekeeper`'s admin commands exit with. Scripts branch on these, so
 * a number never changes meaning; a new failure gets a new number.
 */
export const EXIT = {
  /** the call succeeded (and, with --wait, was confirmed) */
  ok: 0,
  /** the admin API refused the call; its message is printed */
  refused: 1,
  /** the command line is wrong; nothing was sent */
  usage: 2,
  /** the admin API could not be reached, or something else answered */
  unreachable: 3,
  /** --wait, `ramp watch` or a watch's --for ran out before the thing waited for */
  timedOut: 4,
  /** the token is missing or wrong (401), or a viewer token asked for a change (403) */
  unauthorised: 5,
  /** --if-match named a version the state has already moved past (412) */
  conflict: 6,
  /** `ramp watch`: the ramp ended without reaching its end (aborted by the health gate or a person, or superseded) */
  rampStopped: 7,
  /** Ctrl-C: a change already sent stands; check with `gatekeeper status` */
  interrupted: 130
} as const

export type ExitCode = typeof EXIT[keyof typeof EXIT]
