import type { Config } from '../config/config.js'
import type { CheckedCertificates } from '../public/tls/reload.js'

/**
 * One piece of a running gatekeeper that takes a reloaded configuration.
 * A reload has already checked the whole file and refused anything that
 * needs a restart, so `apply` does not refuse: it swaps in what it is
 * given, and closes nothing that holds a connection. A part with `keys` is
 * applied only when one of them changed; one without, on every reload (the
 * maintenance templates are read again even when no key changed).
 */
export interface ReloadPart {
  name: string
  keys?: readonly string[]
  apply (next: Config): void | Promise<void>
  /**
   * Run on every reload before anything is audited or applied: throws (an
   * Error whose message names the key at fault) to refuse the whole reload.
   */
  check? (next: Config): void
  /**
   * Run after every check has passed, before the reload is audited: may
   * take resources the new configuration needs (bind a listener), and
   * throws to refuse the whole reload, having let go of what it took.
   * `rollback` lets go of it when the reload is refused after all.
   */
  prepare? (next: Config): Promise<void>
  rollback? (): void
}

interface Reconfigurable { reconfigure (next: Config): void | Promise<void> }

export interface GatekeeperPieces {
  /** the gate's in-memory copy: the static allowlist, alwaysAllow paths and trusted proxies */
  runtime: Reconfigurable
  /** the public listener, here or in every worker: pages, cut-off, WebSocket grace, access log, log level */
  publicSide: Reconfigurable
  /** webhooks and the health gate */
  reopen: Reconfigurable
  /** the firewall's rules, rendered again from the runtime's static allowlist */
  firewall: { sync (): void }
  /** the application nodes of this process (with workers, each worker's follow the public side's reconfigure) */
  nodes: { reconfigure (next: Config['nodes']): void }
  /**
   * the TLS certificates: `check` reads and checks every one of a
   * configuration (throwing, naming the key, if one cannot serve) and
   * returns them; `reload` swaps in what `check` returned
   */
  certificates: { check (listeners: Config['listeners']): CheckedCertificates, reload (checked: CheckedCertificates | undefined): void }
  logger: { level: string }
  /**
   * the public listeners, in this process or in every worker:
   * `prepare` binds those at a new address, `commit` serves them and
   * retires the removed ones, `rollback` closes again what `prepare` bound
   */
  listeners?: { prepare (next: Config['listeners']): Promise<void>, commit (): Promise<void>, rollback (): void } | undefined
}

/** The parts of a gatekeeper process, in the order a reload applies them; more can be added to the list. */
export function gatekeeperParts (pieces: GatekeeperPieces): ReloadPart[] {
  // what the certificates' check read, for the apply that follows it (reloads run one at a time)
  let checkedCertificates: CheckedCertificates | undefined
  return [
    { name: 'logLevel', keys: ['logLevel'], apply: (next) => { pieces.logger.level = next.logLevel } },
    { name: 'gate', keys: ['allowlist', 'alwaysAllow', 'trustedProxies'], apply: (next) => pieces.runtime.reconfigure(next) },
    // after the gate: the rules are rendered from the allowlist the runtime now holds
    { name: 'firewall', keys: ['allowlist'], apply: () => { pieces.firewall.sync() } },
    { name: 'nodes', keys: ['upstream'], apply: (next) => { pieces.nodes.reconfigure(next.nodes) } },
    { name: 'public', apply: (next) => pieces.publicSide.reconfigure(next) },
    { name: 'reopen', keys: ['webhooks', 'healthGate'], apply: (next) => pieces.reopen.reconfigure(next) },
    ...(pieces.listeners === undefined
      ? []
      : [listenersPart(pieces.listeners)]),
    {
      name: 'certificates',
      // every certificate is checked before anything changes: one that cannot serve refuses the whole reload
      check: (next) => { checkedCertificates = pieces.certificates.check(next.listeners) },
      apply: () => { pieces.certificates.reload(checkedCertificates) }
    }
  ]
}

/** The listeners of a reload: bound before anything is audited or applied; served, and the removed ones retired, on apply. */
function listenersPart (listeners: NonNullable<GatekeeperPieces['listeners']>): ReloadPart {
  return {
    name: 'listeners',
    keys: ['listen'],
    prepare: async (next) => { await listeners.prepare(next.listeners) },
    rollback: () => { listeners.rollback() },
    // before the certificates: a TLS listener's new certificates are in service when those are swapped in
    apply: async () => { await listeners.commit() }
  }
}
