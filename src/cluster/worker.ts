import cluster from 'node:cluster'
import pino from 'pino'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Config } from '../config/config.js'
import { buildPublicApp } from '../public/public-app.js'
import { isReloadCertificatesMessage, reloadCertificates } from '../public/tls/reload.js'
import { createGateRuntime, type GateRuntime } from '../runtime/gate-runtime.js'
import type { PublicApp } from '../public/public-app.js'
import { fromWire, isToWorker, type ToPrimary } from './messages.js'
import type { NodeFigures } from './node-figures.js'
import { createObservationBatch } from './observations.js'
import { createWorkerListeners, type Listening } from './worker-listeners.js'

/** How often a worker looks whether its counts moved; a drop to none is told at once. */
const COUNTS_EVERY_MS = 100

export interface PublicWorker {
  close (): Promise<void>
}

function send (message: ToPrimary): void {
  if (process.connected) process.send?.(message)
}

/**
 * One worker of the public listener. It serves only what the primary sent
 * it: it says hello, is handed the state in force, builds the same public
 * app a single process would and listens on the shared port. Every later
 * state is applied, then acknowledged, so the primary knows when every
 * worker serves a change. Its counts and what it saw go to the primary,
 * which holds the store, the admin API and the figures.
 */
export async function startPublicWorker (startConfig: Config): Promise<PublicWorker> {
  let config = startConfig
  const logger = pino({ level: config.logLevel, name: 'gatekeeper' }).child({ worker: cluster.worker?.id ?? 0 })
  const batch = createObservationBatch(send)
  let runtime: GateRuntime | null = null
  let app: FastifyInstance | null = null
  let publicApp: PublicApp | null = null
  let stopping: Promise<void> | undefined
  let resolveFirst: (served: GateRuntime) => void = () => {}
  const first = new Promise<GateRuntime>((resolve) => { resolveFirst = resolve })
  let resolveListening: (listening: Listening) => void = () => {}
  // a reload's change of `listen`: its steps wait until this worker listens
  const listeners = createWorkerListeners({
    listening: new Promise<Listening>((resolve) => { resolveListening = resolve }),
    send,
    log: logger
  })

  /** this worker's node figures, once its app is built: with each acknowledgement, so a wait for a drain starts from them */
  function figures (): { nodes?: NodeFigures[] } {
    if (publicApp === null) return {}
    return { nodes: publicApp.nodes.list().map(({ name, inFlight, requests, errors, health, lastCheck }) => ({ name, inFlight, requests, errors, health, lastCheck })) }
  }

  function close (): Promise<void> {
    stopping ??= (async () => {
      if (app !== null) await app.close()
      batch.stop()
    })()
    return stopping
  }

  process.on('message', (message: unknown) => {
    // each worker reads its own certificates again when the primary reloads them
    if (isReloadCertificatesMessage(message)) {
      reloadCertificates()
      return
    }
    if (!isToWorker(message)) return
    if (message.type === 'gk:stop') {
      logger.info({ pid: process.pid }, 'public worker stopping')
      close().then(() => process.exit(0), (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'worker could not close cleanly')
        process.exit(1)
      })
      return
    }
    if (message.type === 'gk:listen') {
      listeners.onMessage(message)
      return
    }
    if (message.type === 'gk:config') {
      // what a reload changed; before the first state, it is what the app is built with
      config = fromWire(message.config)
      logger.level = config.logLevel
      runtime?.reconfigure(config)
      publicApp?.reconfigure(config)
      listeners.follow(config.listeners)
      send({ type: 'gk:applied', seq: message.seq, version: runtime?.current().version ?? 0, inFlight: runtime?.inFlight ?? 0, webSockets: runtime?.webSockets ?? 0, ...figures() })
      return
    }
    if (runtime === null) {
      runtime = createGateRuntime(config, message.state)
      resolveFirst(runtime)
    } else if (message.how === 'apply') {
      runtime.apply(message.state)
    } else {
      runtime.follow(message.state)
    }
    send({ type: 'gk:applied', seq: message.seq, version: runtime.current().version, inFlight: runtime.inFlight, webSockets: runtime.webSockets, ...figures() })
  })
  send({ type: 'gk:hello' })
  const served = await first

  let told = { inFlight: 0, webSockets: 0 }
  let toldNodes = ''
  const tellCounts = (): void => {
    const { nodes } = figures()
    const nodesNow = nodes === undefined ? '' : JSON.stringify(nodes)
    if (nodes !== undefined && nodesNow !== toldNodes) {
      toldNodes = nodesNow
      send({ type: 'gk:nodes', nodes })
    }
    if (served.inFlight === told.inFlight && served.webSockets === told.webSockets) return
    told = { inFlight: served.inFlight, webSockets: served.webSockets }
    send({ type: 'gk:counts', ...told })
  }
  served.onIdle(tellCounts)
  const countsTimer = setInterval(tellCounts, COUNTS_EVERY_MS)
  countsTimer.unref()

  const builtWith = config
  const built = await buildPublicApp({
    config,
    runtime: served,
    logger: logger as unknown as FastifyBaseLogger,
    onDecision: batch.onDecision,
    upstream: batch.upstream
  })
  app = built.app
  publicApp = built
  // a reload told while the app was being built
  if (config !== builtWith) built.reconfigure(config)
  app.addHook('onClose', async () => { clearInterval(countsTimer) })
  const addresses = await built.listen()
  resolveListening({ listeners: built.listeners, serving: builtWith.listeners })
  // the listeners in force, should a reload have changed them while the app was built
  listeners.follow(config.listeners)
  logger.info({ pid: process.pid, listening: addresses.map(({ address, port }) => `${address}:${port}`) }, 'public worker listening')
  return { close }
}
