import type { PublicListener } from '../config/listeners.js'
import type { ListenedMessage, ListenMessage } from './messages.js'

/** A worker, as a listener change talks to it. */
export interface ListenTarget {
  id: number
  send (message: ListenMessage): void
  /** it did not answer in time: it is killed, and started again with the listeners in force */
  kill (): void
}

interface Log {
  error (fields: Record<string, unknown>, message: string): void
}

export interface ListenerChangeOptions {
  /** the workers that listen for the primary's messages now */
  targets (): ListenTarget[]
  /** how long a worker may take to answer a step before it is killed */
  timeoutMs: number
  log (): Log | undefined
}

/**
 * The primary's side of a reload's `listen` change with `workers: N`: the
 * same prepare / commit / rollback as the listeners of one process, each
 * step sent to every worker and answered by each. In node:cluster the
 * primary holds the socket of each address its workers listen on, and
 * closes it once no worker listens there any more: a new address is bound
 * by the first worker's listen and shared by the others', a removed one is
 * let go when the last worker has retired it. A worker that cannot bind
 * refuses the whole change: every worker closes again what it bound.
 */
export function createListenerChange (options: ListenerChangeOptions) {
  /** the answers awaited, by worker, by step id */
  const awaited = new Map<number, Map<number, (refused: string | undefined) => void>>()
  let lastId = 0
  /** the workers a prepared change was sent to: they are told its commit or rollback */
  let prepared: ListenTarget[] = []

  /** Sends one step to `target`; resolves with its refusal (undefined: done, or the worker has gone). */
  function ask (target: ListenTarget, step: ListenMessage['step'], listeners?: PublicListener[]): Promise<string | undefined> {
    lastId++
    const id = lastId
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        options.log()?.error({ worker: target.id, step }, 'worker did not answer a listener change in time; killing it')
        target.kill()
      }, options.timeoutMs)
      const byId = awaited.get(target.id) ?? new Map<number, (refused: string | undefined) => void>()
      awaited.set(target.id, byId)
      byId.set(id, (refused) => {
        clearTimeout(timer)
        resolve(refused)
      })
      target.send({ type: 'gk:listen', id, step, ...(listeners === undefined ? {} : { listeners }) })
    })
  }

  function answer (worker: number, id: number, refused: string | undefined): void {
    const byId = awaited.get(worker)
    const done = byId?.get(id)
    if (byId === undefined || done === undefined) return
    byId.delete(id)
    if (byId.size === 0) awaited.delete(worker)
    done(refused)
  }

  async function rollbackAll (): Promise<void> {
    const targets = prepared
    prepared = []
    await Promise.all(targets.map(async (target) => await ask(target, 'rollback')))
  }

  return {
    /**
     * Every worker binds the new addresses and reads the new certificates.
     * When one cannot, every worker closes again what it bound, and this
     * throws the first refusal (naming the listener: `listen[2].port: …`).
     */
    async prepare (next: readonly PublicListener[]): Promise<void> {
      prepared = options.targets()
      const answers = await Promise.all(prepared.map(async (target) => await ask(target, 'prepare', [...next])))
      const refused = answers.find((refusal) => refusal !== undefined)
      if (refused === undefined) return
      await rollbackAll()
      throw new Error(refused)
    },

    /** Every worker puts the prepared listeners in service and retires the removed ones; resolves once each has. */
    async commit (): Promise<void> {
      const targets = prepared
      prepared = []
      await Promise.all(targets.map(async (target) => await ask(target, 'commit')))
    },

    /** The reload was refused after all: every worker closes again what it bound. */
    rollback (): void {
      rollbackAll().catch(() => {})
    },

    /** A worker's answer. */
    answered (worker: number, message: ListenedMessage): void {
      answer(worker, message.id, message.refused)
    },

    /** A worker has exited: whoever waited on it waits no more. */
    gone (worker: number): void {
      for (const id of [...awaited.get(worker)?.keys() ?? []]) answer(worker, id, undefined)
      prepared = prepared.filter((target) => target.id !== worker)
    }
  }
}

export type ListenerChange = ReturnType<typeof createListenerChange>
