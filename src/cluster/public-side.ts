import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Config } from '../config/config.js'
import type { Decision } from '../gate/decide.js'
import type { Admission } from '../public/admit.js'
import type { UpstreamObserver } from '../public/upstream-observer.js'
import { buildPublicApp, type PublicApp } from '../public/public-app.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { RefusedCertificate } from '../public/tls/certificate-set.js'
import { checkCertificates } from '../public/tls/check.js'
import type { Nodes } from '../nodes/nodes.js'
import type { PoolDeps, WorkerPool } from './worker-pool.js'

/** Where the public listener runs: in this process, or in the workers of `workers: N`. */
export interface PublicSide {
  /** the public app, when it runs in this process */
  app: FastifyInstance | null
  pageProblems: string[]
  /** Starts serving; resolves with where each public listener ended up, in config order (port 0 picks a free one). */
  listen (): Promise<AddressInfo[]>
  /** Takes a reloaded configuration's live parts; with workers, resolves once every worker has. */
  reconfigure (next: Config): Promise<void>
  /** the listeners a reload rebinds: in this process, or in every worker */
  listeners: PublicApp['listeners']
  close (): Promise<void>
}

export interface PublicSideDeps {
  runtime: GateRuntime
  logger: PoolDeps['logger'] & FastifyBaseLogger
  onDecision: (decision: Decision, admission?: Admission, site?: string) => void
  upstream: UpstreamObserver
  /** a replacement TLS certificate was refused in this process (the old one keeps serving) */
  onCertificateRefused?: (refused: RefusedCertificate) => void
  /** the application nodes, when this process serves the public listener */
  nodes: Nodes
  /** the gate of each site (`sites:`); by default every site follows `runtime` */
  runtimeOf?: (site: string) => GateRuntime
  /** each site's own nodes and the observer of its upstream answers (`sites:`, in this process only) */
  nodesOf?: (site: string) => Nodes | undefined
  upstreamOf?: (site: string) => UpstreamObserver | undefined
}

/** The public listener in this process (workers: 1), or handed to the pool's workers. */
export async function publicSideOf (config: Config, pool: WorkerPool | undefined, deps: PublicSideDeps): Promise<PublicSide> {
  if (pool !== undefined) {
    // each worker reads (and watches) the certificates itself; a bad one stops start-up here, naming its key
    checkCertificates(config, deps.logger)
    return {
      app: null,
      pageProblems: pool.pageProblems(),
      listen: async () => await pool.start(deps),
      reconfigure: pool.reconfigure,
      listeners: pool.listeners,
      close: pool.close
    }
  }
  const { app, pageProblems, listen, reconfigure, listeners } = await buildPublicApp({
    config,
    runtime: deps.runtime,
    logger: deps.logger,
    onDecision: deps.onDecision,
    upstream: deps.upstream,
    nodes: deps.nodes,
    ...(deps.runtimeOf === undefined ? {} : { runtimeOf: deps.runtimeOf }),
    ...(deps.nodesOf === undefined ? {} : { nodesOf: deps.nodesOf }),
    ...(deps.upstreamOf === undefined ? {} : { upstreamOf: deps.upstreamOf }),
    ...(deps.onCertificateRefused === undefined ? {} : { onCertificateRefused: deps.onCertificateRefused })
  })
  return {
    app,
    pageProblems,
    listen,
    reconfigure: async (next) => { reconfigure(next) },
    listeners,
    close: async () => { await app.close() }
  }
}
