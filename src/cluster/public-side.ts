import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Config } from '../config/config.js'
import type { Decision } from '../gate/decide.js'
import type { UpstreamObserver } from '../public/upstream-observer.js'
import { buildPublicApp } from '../public/public-app.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { Nodes } from '../nodes/nodes.js'
import type { PoolDeps, WorkerPool } from './worker-pool.js'

/** Where the public listener runs: in this process, or in the workers of `workers: N`. */
export interface PublicSide {
  /** the public app, when it runs in this process */
  app: FastifyInstance | null
  pageProblems: string[]
  /** Starts serving; resolves with where the listener ended up (port 0 picks a free one). */
  listen (): Promise<AddressInfo>
  close (): Promise<void>
}

export interface PublicSideDeps {
  runtime: GateRuntime
  logger: PoolDeps['logger'] & FastifyBaseLogger
  onDecision: (decision: Decision) => void
  upstream: UpstreamObserver
  /** the application nodes, when this process serves the public listener */
  nodes: Nodes
}

/** The public listener in this process (workers: 1), or handed to the pool's workers. */
export async function publicSideOf (config: Config, pool: WorkerPool | undefined, deps: PublicSideDeps): Promise<PublicSide> {
  if (pool !== undefined) {
    return {
      app: null,
      pageProblems: pool.pageProblems(),
      listen: async () => await pool.start(deps),
      close: pool.close
    }
  }
  const { app, pageProblems } = await buildPublicApp({ config, runtime: deps.runtime, logger: deps.logger, onDecision: deps.onDecision, upstream: deps.upstream, nodes: deps.nodes })
  return {
    app,
    pageProblems,
    async listen () {
      await app.listen({ host: config.listen.host, port: config.listen.port })
      return app.server.address() as AddressInfo
    },
    close: async () => { await app.close() }
  }
}
