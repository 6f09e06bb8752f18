import type { NodeHealth } from '../nodes/choose.js'
import type { FiguresElsewhere } from '../nodes/nodes.js'

/** One node's figures in one worker, as the worker tells them (`gk:nodes`, and with each `gk:applied`). */
export interface NodeFigures {
  name: string
  inFlight: number
  requests: number
  errors: number
  health: NodeHealth
  lastCheck: string | null
}

/**
 * The primary's view of every worker's node figures: each worker's latest
 * report kept whole, summed when read. A worker that exits takes its
 * requests in flight with it; the requests and errors it counted stay.
 */
export function createNodeFigures (): FiguresElsewhere & { record (worker: number, figures: readonly NodeFigures[]): void, forget (worker: number): void } {
  const byWorker = new Map<number, ReadonlyMap<string, NodeFigures>>()
  /** requests and errors of workers that have exited, by node */
  const gone = new Map<string, { requests: number, errors: number }>()

  return {
    record (worker: number, figures: readonly NodeFigures[]): void {
      byWorker.set(worker, new Map(figures.map((node) => [node.name, node])))
    },

    forget (worker: number): void {
      const figures = byWorker.get(worker)
      byWorker.delete(worker)
      for (const node of figures?.values() ?? []) {
        const past = gone.get(node.name) ?? { requests: 0, errors: 0 }
        gone.set(node.name, { requests: past.requests + node.requests, errors: past.errors + node.errors })
      }
    },

    /** the sum over the workers (inFlight, requests, errors) and the latest check's health; undefined when no worker told any */
    of (name: string): Omit<NodeFigures, 'name'> | undefined {
      const past = gone.get(name)
      let sum: Omit<NodeFigures, 'name'> | undefined = past === undefined ? undefined : { inFlight: 0, ...past, health: 'unknown', lastCheck: null }
      for (const figures of byWorker.values()) {
        const node = figures.get(name)
        if (node === undefined) continue
        sum ??= { inFlight: 0, requests: 0, errors: 0, health: 'unknown', lastCheck: null }
        sum.inFlight += node.inFlight
        sum.requests += node.requests
        sum.errors += node.errors
        // each worker checks on its own: the most recent check says how the node is
        if (node.lastCheck !== null && (sum.lastCheck === null || node.lastCheck > sum.lastCheck)) {
          sum.lastCheck = node.lastCheck
          sum.health = node.health
        } else if (sum.lastCheck === null && node.health !== 'unknown') {
          sum.health = node.health
        }
      }
      return sum
    }
  }
}

export type NodeFiguresView = ReturnType<typeof createNodeFigures>
