import type { PublicListener } from '../config/listeners.js'
import type { ListenerSet } from '../public/listener-set.js'
import type { ListenedMessage, ListenMessage } from './messages.js'

interface Log {
  info (fields: Record<string, unknown>, message: string): void
  error (fields: Record<string, unknown>, message: string): void
}

/** The worker's public listeners once it listens: the set a reload changes, and the list it serves. */
export interface Listening {
  listeners: Pick<ListenerSet, 'prepare' | 'commit' | 'rollback'>
  serving: readonly PublicListener[]
}

const same = (a: readonly PublicListener[], b: readonly PublicListener[]): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * A worker's side of a reload's `listen` change: the primary's prepare,
 * commit and rollback, applied to this worker's listener set one at a time
 * and each answered. A step told before the worker listens waits until it
 * does. A configuration whose listeners differ from those served while no
 * change is prepared (the worker joined while the others were changing
 * theirs) is put in service on its own.
 */
export function createWorkerListeners (options: { listening: Promise<Listening>, send: (message: ListenedMessage) => void, log: Log }) {
  const { send, log } = options
  let serving: readonly PublicListener[] = []
  let set: Listening['listeners'] | undefined
  /** the steps, one after the other, from the moment the worker listens */
  let queue: Promise<unknown> = options.listening.then((listening) => {
    set = listening.listeners
    serving = listening.serving
  })
  /** the list of a prepare not yet committed or rolled back, as the messages arrive */
  let preparing: readonly PublicListener[] | undefined

  /** Runs `step` after every step told before it, once the worker listens; a failure is logged. */
  function inTurn (step: (listeners: Listening['listeners']) => Promise<void>): void {
    queue = queue.then(async () => {
      if (set !== undefined) await step(set)
    }).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'a listener change failed in this worker')
    })
  }

  return {
    /** A step of the primary's. */
    onMessage (message: ListenMessage): void {
      const { id, step } = message
      if (step === 'prepare') {
        const next = message.listeners ?? []
        preparing = next
        inTurn(async (listeners) => {
          let refused: string | undefined
          await listeners.prepare(next).catch((err: unknown) => { refused = (err as Error).message })
          send({ type: 'gk:listened', id, ...(refused === undefined ? {} : { refused }) })
        })
        return
      }
      const next = preparing
      preparing = undefined
      inTurn(async (listeners) => {
        if (step === 'commit') {
          await listeners.commit()
          if (next !== undefined) serving = next
        } else {
          listeners.rollback()
        }
        send({ type: 'gk:listened', id })
      })
    },

    /** The configuration in force names these listeners: served at once unless a change of the primary's is under way. */
    follow (next: readonly PublicListener[]): void {
      if (preparing !== undefined) return
      inTurn(async (listeners) => {
        if (preparing !== undefined || same(serving, next)) return
        try {
          await listeners.prepare(next)
        } catch (err) {
          log.error({ err: (err as Error).message }, 'this worker could not take the listeners in force; it keeps serving its own')
          return
        }
        await listeners.commit()
        serving = next
        log.info({ listening: next.map((listener) => `${listener.host}:${listener.port}`) }, 'public worker took the listeners in force')
      })
    }
  }
}
