import type { Socket } from 'node:net'

/** Whether a request's connection came over one of the TLS listeners (a TLSSocket says `encrypted`). */
export function isTls (socket: Socket): boolean {
  return (socket as Socket & { encrypted?: boolean }).encrypted === true
}
