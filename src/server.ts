import pino, { type Logger } from 'pino'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Config } from './config/config.js'
import { buildAdminApp } from './admin/admin-app.js'
import { createLocalConfirm } from './admin/confirm.js'
import { buildPublicApp } from './public/public-app.js'
import { createGateRuntime, type GateRuntime } from './runtime/gate-runtime.js'
import { initialState } from './state/initial.js'
import { openStore } from './store/open-store.js'
import type { Store } from './store/store.js'

export interface Gatekeeper {
  config: Config
  runtime: GateRuntime
  store: Store
  publicApp: FastifyInstance
  adminApp: FastifyInstance
  /** where the listeners ended up (port 0 picks a free one) */
  publicUrl: string
  adminUrl: string
  close (): Promise<void>
}

function urlOf (app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

/**
 * The process: config → store → the in-memory gate → the two listeners.
 * The store is read before anything listens: a state that cannot be read
 * stops start-up rather than opening the gate on a guess.
 */
export async function startGatekeeper (config: Config, options: { logger?: Logger } = {}): Promise<Gatekeeper> {
  const logger = options.logger ?? pino({ level: config.logLevel, name: 'gatekeeper' })
  const store = openStore(config, logger)
  let state
  try {
    state = await store.init(initialState(config.initialMode, ''))
  } catch (err) {
    await store.close()
    throw err
  }
  const runtime = createGateRuntime(config, state)
  store.onChange((next) => { runtime.apply(next) })
  runtime.onApplied((next, previous) => {
    logger.info({ version: next.version, mode: next.mode, percent: next.state.percent, was: previous.mode, by: next.state.updatedBy }, 'state applied')
  })
  const fastifyLogger = logger as unknown as FastifyBaseLogger
  const { app: publicApp, pageProblems } = await buildPublicApp({ config, runtime, logger: fastifyLogger })
  const adminApp = await buildAdminApp({
    config,
    store,
    runtime,
    confirm: createLocalConfirm(runtime),
    healthDetails: () => ({ pages: { ok: pageProblems.length === 0, problems: pageProblems } })
  }, fastifyLogger)

  try {
    await publicApp.listen({ host: config.listen.host, port: config.listen.port })
    await adminApp.listen({ host: config.admin.listen.host, port: config.admin.listen.port })
  } catch (err) {
    await publicApp.close()
    await adminApp.close()
    await store.close()
    throw err
  }
  logger.info({ mode: state.mode, version: state.version, store: store.kind, upstream: config.upstream.origin, publicUrl: urlOf(publicApp), adminUrl: urlOf(adminApp) }, 'gatekeeper started')

  let closing: Promise<void> | undefined
  return {
    config,
    runtime,
    store,
    publicApp,
    adminApp,
    publicUrl: urlOf(publicApp),
    adminUrl: urlOf(adminApp),
    close () {
      closing ??= (async () => {
        await adminApp.close()
        await publicApp.close()
        await store.close()
      })()
      return closing
    }
  }
}
