import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Server as TlsServer } from 'node:tls'
import type { PublicListener } from '../config/listeners.js'
import type { ListenerSetup } from './door-server.js'
import type { CertificateSet } from './tls/certificate-set.js'

/** A public listener serving: its setup (which its server reads at each request and handshake) and its server. */
export interface LiveListener {
  setup: ListenerSetup
  server: Server
}

export interface ListenerSetDeps {
  /** a TLS listener's certificates, read and checked (throws an Error naming the key when one cannot serve) */
  certificatesOf (listener: PublicListener): CertificateSet
  /** registers a set for certificate reloads and starts watching its files; returns what forgets it */
  adopt (set: CertificateSet): () => void
  log: {
    info (fields: Record<string, unknown>, message: string): void
    error (fields: Record<string, unknown>, message: string): void
  }
}

/** How often a retired listener closes the keep-alive sockets that have become idle since. */
const IDLE_SWEEP_MS = 250

const addressOf = (listener: PublicListener): string => `${listener.host}:${listener.port}`

/** Listens on the listener's address; rejects with the system's error (EADDRINUSE…) when it cannot. */
export function bind (server: Server, listener: PublicListener): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(listener.port, listener.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** A reload's refusal for a listener that could not bind, naming its key and address. */
function cannotBind (listener: PublicListener, err: unknown): Error {
  const code = (err as { code?: unknown }).code
  const why = code === 'EADDRINUSE' ? 'is already in use' : `cannot be listened on (${typeof code === 'string' ? code : (err as Error).message})`
  return new Error(`${listener.key}.port: ${addressOf(listener)} ${why}`)
}

/**
 * Stops a server accepting and lets it finish: requests in flight and
 * WebSockets carry on to their end, keep-alive sockets are closed as soon
 * as they are idle, and later answers on them say `connection: close`.
 */
function retire (server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.on('request', (_request, response) => { response.shouldKeepAlive = false })
    const sweep = setInterval(() => { server.closeIdleConnections() }, IDLE_SWEEP_MS)
    sweep.unref()
    // the class's own close(): @fastify/http-proxy replaces the app's server's with one that first
    // closes every WebSocket it relays, on every listener; shutdown still goes through that one
    const close = (Object.getPrototypeOf(server) as Server).close
    // called once every connection has ended (at once for a server that never listened)
    close.call(server, () => {
      clearInterval(sweep)
      resolve()
    })
    server.closeIdleConnections()
  })
}

interface Change {
  /** the listeners in force once committed, in the new configuration's order */
  next: Array<LiveListener & { forget?: () => void }>
  /** bound for the new configuration: closed again if the reload is refused */
  bound: LiveListener[]
  /** no longer in the configuration, or rebound at the same address as another kind */
  retired: Array<LiveListener & { forget?: () => void }>
  /** same kind at the same address: the new settings, swapped into the running listener on commit */
  inPlace: Array<{ live: LiveListener & { forget?: () => void }, listener: PublicListener, certificates?: CertificateSet }>
  /** a plain listener becoming TLS or back, at the same address: bound once the old one lets the port go */
  rebound: Array<LiveListener & { forget?: () => void }>
}

/**
 * The public listeners of one process, which a reload changes live: a
 * listener at a new address is bound before anything is applied (one that
 * cannot bind refuses the reload), a removed one stops accepting and
 * finishes what it carries, and one that keeps its address keeps its
 * socket and its connections, its settings swapped in place.
 */
export function createListenerSet (deps: ListenerSetDeps) {
  let live: Array<LiveListener & { forget?: () => void }> = []
  let serve: (setup: ListenerSetup) => Server = () => { throw new Error('the listener set has not started') }
  const retiring = new Set<Promise<void>>()
  let change: Change | undefined

  const tlsPort = (): number | undefined => {
    for (const { setup, server } of live) {
      if (setup.certificates === undefined) continue
      const address = server.address()
      if (typeof address === 'object' && address !== null) return address.port
    }
    return undefined
  }

  function setupOf (listener: PublicListener): ListenerSetup {
    const certificates = listener.tls === undefined ? undefined : deps.certificatesOf(listener)
    // tlsPort on every one: a reload may make a plain listener redirect, in place
    return { listener, ...(certificates === undefined ? {} : { certificates }), tlsPort }
  }

  function letGo (entry: LiveListener & { forget?: () => void }): void {
    const done = retire(entry.server).then(() => {
      entry.forget?.()
      entry.setup.certificates?.close()
      retiring.delete(done)
    })
    retiring.add(done)
  }

  function rollback (): void {
    const pending = change
    change = undefined
    if (pending === undefined) return
    for (const { certificates } of pending.inPlace) certificates?.close()
    for (const entry of pending.next) {
      if (live.includes(entry)) continue
      letGo(entry)
    }
  }

  return {
    setupOf,

    /** The listeners of the start-up configuration, their servers built; `serveNew` builds the server of one added later. */
    start (entries: LiveListener[], serveNew: (setup: ListenerSetup) => Server): void {
      serve = serveNew
      live = entries.map((entry) => {
        const set = entry.setup.certificates
        return { ...entry, ...(set === undefined ? {} : { forget: deps.adopt(set) }) }
      })
    },

    addresses (): AddressInfo[] {
      return live.map((entry) => entry.server.address() as AddressInfo)
    },

    /**
     * Prepares a reload's listeners: binds those at a new address (an Error
     * naming the first that cannot, after closing those it bound) and reads
     * the certificates of those that keep theirs. Nothing in service changes.
     */
    async prepare (listeners: readonly PublicListener[]): Promise<void> {
      const pending: Change = { next: [], bound: [], retired: [], inPlace: [], rebound: [] }
      const unmatched = [...live]
      try {
        for (const listener of listeners) {
          const at = unmatched.findIndex((entry) => addressOf(entry.setup.listener) === addressOf(listener))
          const same = at === -1 ? undefined : unmatched.splice(at, 1)[0]
          if (same !== undefined && (same.setup.listener.tls === undefined) === (listener.tls === undefined)) {
            const was = same.setup.listener
            const certsChanged = listener.tls !== undefined && (was.key !== listener.key || JSON.stringify(was.tls) !== JSON.stringify(listener.tls))
            const certificates = certsChanged ? deps.certificatesOf(listener) : undefined
            pending.inPlace.push({ live: same, listener, ...(certificates === undefined ? {} : { certificates }) })
            pending.next.push(same)
            continue
          }
          const setup = setupOf(listener)
          const entry = { setup, server: serve(setup) }
          pending.next.push(entry)
          if (same !== undefined) {
            pending.retired.push(same)
            pending.rebound.push(entry)
            continue
          }
          await bind(entry.server, listener).catch((err: unknown) => { throw cannotBind(listener, err) })
          pending.bound.push(entry)
        }
      } catch (err) {
        change = pending
        rollback()
        throw err
      }
      pending.retired.push(...unmatched)
      change = pending
    },

    /** Puts the prepared listeners in service and lets the removed ones finish. */
    async commit (): Promise<void> {
      const pending = change
      change = undefined
      if (pending === undefined) return
      for (const { live: entry, listener, certificates } of pending.inPlace) {
        entry.setup.listener = listener
        if (certificates === undefined) continue
        entry.forget?.()
        entry.setup.certificates?.close()
        entry.setup.certificates = certificates
        // a TLS listener's server is an https.Server: the SNI choice reads the setup, the default follows here
        const tls = entry.server as unknown as TlsServer
        certificates.attach(tls)
        tls.setSecureContext(certificates.serverOptions())
        entry.forget = deps.adopt(certificates)
      }
      for (const entry of pending.next) {
        const set = entry.setup.certificates
        if (set !== undefined && entry.forget === undefined) entry.forget = deps.adopt(set)
      }
      live = pending.next
      for (const entry of pending.retired) letGo(entry)
      // the old server has let the port go (close() releases it at once); the new kind takes it
      for (const entry of pending.rebound) {
        await bind(entry.server, entry.setup.listener).catch((err: unknown) => {
          deps.log.error({ err: (err as Error).message }, 'a listener rebound as another kind could not take its port back')
        })
      }
      const summary = (list: LiveListener[]): string[] => list.map((entry) => addressOf(entry.setup.listener))
      deps.log.info({ listening: summary(live), added: summary(pending.bound), removed: summary(pending.retired) }, 'public listeners rebound')
    },

    /** A refused reload: closes again what prepare bound; what serves is untouched. */
    rollback,

    /** Every listener stops accepting and finishes; resolves once all have. */
    async close (): Promise<void> {
      for (const entry of live) letGo(entry)
      live = []
      await Promise.all([...retiring])
    }
  }
}

export type ListenerSet = ReturnType<typeof createListenerSet>
