import type { NodeState, State } from './types.js'

export interface NodeChange {
  name: string
  state: NodeState
  reason: string
  by: string
}

/** The next state for an operator's setting of one node: the entry records who set it, when and why. */
export function withNodeState (current: State, change: NodeChange, now: number): State {
  const others = current.nodes ?? {}
  return { ...current, nodes: { ...others, [change.name]: { state: change.state, reason: change.reason, by: change.by, at: new Date(now).toISOString() } } }
}

/** A node's state in force: what the operator set, or `in`. */
export function nodeStateOf (state: State, name: string): NodeState {
  return state.nodes?.[name]?.state ?? 'in'
}
