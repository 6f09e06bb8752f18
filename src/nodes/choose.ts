import type { NodeState } from '../state/types.js'

export type NodeHealth = 'up' | 'down' | 'unknown'

/** What the choice of a node knows about one node. */
export interface NodeView {
  name: string
  weight: number
  state: NodeState
  health: NodeHealth
  /** its requests in flight on this instance */
  inFlight: number
  /** the requests it was given lately (at most a round behind the others), to share out a quiet stream of requests by weight */
  requests: number
}

export interface NodeChoiceInput {
  nodes: readonly NodeView[]
  /** whom the gate admitted the request for (admit()'s audience) */
  audience: 'public' | 'tester'
  /** the node that issued the request's session cookie, if known */
  affinity?: string | undefined
}

export interface NodeChoice {
  name: string
  /** it went to the node of its session */
  sticky: boolean
}

/** Whether a request with a session on this node may still be sent to it: in, draining, or testers for a tester. */
function keepsSessions (node: NodeView, audience: NodeChoiceInput['audience']): boolean {
  if (node.health === 'down') return false
  return node.state === 'in' || node.state === 'drain' || (node.state === 'testers' && audience === 'tester')
}

/** Whether a new session may start on this node. */
function takesNew (node: NodeView, audience: NodeChoiceInput['audience']): boolean {
  if (node.health === 'down') return false
  return node.state === 'in' || (node.state === 'testers' && audience === 'tester')
}

/**
 * Least outstanding requests, weighted: the lowest inFlight / weight;
 * among equals, the fewest requests served so far per weight (so a stream of
 * one request at a time is shared by weight too); then the name.
 */
function better (a: NodeView, b: NodeView): boolean {
  const load = a.inFlight / a.weight - b.inFlight / b.weight
  if (load !== 0) return load < 0
  const served = a.requests / a.weight - b.requests / b.weight
  if (served !== 0) return served < 0
  return a.name < b.name
}

function least (nodes: readonly NodeView[]): NodeView | null {
  let best: NodeView | null = null
  for (const node of nodes) {
    if (best === null || better(node, best)) best = node
  }
  return best
}

/**
 * The node for one request, or null when none may take it (the request gets
 * the "application unavailable" answer). A node that is down or `out` is
 * never chosen; the public never reaches a `testers` node; a `drain` node
 * keeps only the sessions it already has. A request whose session cookie
 * was issued by a node that may still serve it goes there; otherwise the
 * least loaded usable node, weighted. A tester starts new sessions on the
 * `testers` nodes when any is usable, so a node under test gets the testers.
 */
export function chooseNode (input: NodeChoiceInput): NodeChoice | null {
  const { nodes, audience, affinity } = input
  if (affinity !== undefined) {
    const sticky = nodes.find((node) => node.name === affinity)
    if (sticky !== undefined && keepsSessions(sticky, audience)) return { name: sticky.name, sticky: true }
  }
  const usable = nodes.filter((node) => takesNew(node, audience))
  const preferred = audience === 'tester' && usable.some((node) => node.state === 'testers') ? usable.filter((node) => node.state === 'testers') : usable
  const best = least(preferred)
  return best === null ? null : { name: best.name, sticky: false }
}
