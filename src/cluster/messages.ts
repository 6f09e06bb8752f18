import type { Config } from '../config/config.js'
import type { PublicListener } from '../config/listeners.js'
import type { Reason } from '../gate/decide.js'
import type { State } from '../state/types.js'
import type { NodeFigures } from './node-figures.js'

/**
 * What the primary and its workers tell each other over the cluster's IPC
 * channel. Every message is tagged, so the cluster's own traffic on the
 * same channel is never mistaken for ours.
 */

/**
 * A state to serve: `apply` for the answer of a change made here (an older
 * version than the one held is ignored), `follow` for what the store says
 * is in force. `seq` numbers everything the primary sent to this worker.
 */
export interface StateMessage {
  type: 'gk:state'
  seq: number
  how: 'apply' | 'follow'
  state: State
}

/**
 * A reloaded configuration to serve (its live parts), acknowledged like a
 * state with `gk:applied` for the same `seq`. The upstream and each node
 * travel as their origin text: a URL does not cross the channel.
 */
export interface ConfigMessage {
  type: 'gk:config'
  seq: number
  config: WireConfig
}

type WireNodes = Omit<Config['nodes'], 'nodes'> & { nodes: Array<Omit<Config['nodes']['nodes'][number], 'url'> & { url: string }> }

export type WireConfig = Omit<Config, 'upstream' | 'nodes'> & { upstream: string, nodes: WireNodes }

/** Finish what is in flight, stop listening, exit. */
export interface StopMessage {
  type: 'gk:stop'
}

/**
 * A reload's change of the public listeners, in three steps as in one
 * process: `prepare` binds the new addresses and reads the new certificates
 * (nothing in service changes), then `commit` puts them in service and
 * retires the removed ones, or `rollback` closes again what prepare bound.
 * Each is answered with `gk:listened` for the same `id`.
 */
export interface ListenMessage {
  type: 'gk:listen'
  id: number
  step: 'prepare' | 'commit' | 'rollback'
  /** the new list, with `prepare` */
  listeners?: PublicListener[]
}

export type ToWorker = StateMessage | ConfigMessage | StopMessage | ListenMessage

/**
 * A worker that has just started asks for the configuration in force
 * (answered with a `gk:config` of seq 0): it never reads the file itself, so
 * a restarted worker serves what the primary serves, even when the file has
 * since been changed or broken.
 */
export interface ConfigRequestMessage {
  type: 'gk:config?'
}

/** The worker listens for the primary's messages: it may now be sent its state. */
export interface HelloMessage {
  type: 'gk:hello'
}

/** The worker serves the state of message `seq` (and every earlier one), with these counts. */
export interface AppliedMessage {
  type: 'gk:applied'
  seq: number
  version: number
  inFlight: number
  webSockets: number
  /** its node figures as it applied the message (absent before its public app is built) */
  nodes?: NodeFigures[]
}

/** The worker's public requests in flight and public WebSockets, when they change. */
export interface CountsMessage {
  type: 'gk:counts'
  inFlight: number
  webSockets: number
}

/**
 * What the worker saw since its last report: decisions by reason, and the
 * upstream's answers as [status, latencyMs, …] and failures as
 * [timedOut (1 or 0), latencyMs, …], each with the client the health gate
 * counts it for (null: nobody) in the matching place of its clients list.
 */
export interface ObservedMessage {
  type: 'gk:observed'
  decisions: Partial<Record<Reason, number>>
  responses: Float64Array
  responseClients: Array<string | null>
  /** the node of each, in the same places (absent from an earlier release's worker) */
  responseNodes?: Array<string | null>
  failures: Float64Array
  failureClients: Array<string | null>
  failureNodes?: Array<string | null>
}

/** The worker's figures for each node (requests in flight, requests, errors, health), when they change. */
export interface NodesMessage {
  type: 'gk:nodes'
  nodes: NodeFigures[]
}

/** The worker did step `id` of a listener change; `refused` names the listener it could not bind (`listen[2].port: …`). */
export interface ListenedMessage {
  type: 'gk:listened'
  id: number
  refused?: string
}

export type ToPrimary = ConfigRequestMessage | HelloMessage | AppliedMessage | CountsMessage | ObservedMessage | NodesMessage | ListenedMessage

function tagged (message: unknown): message is { type: string } {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string'
}

export function isToWorker (message: unknown): message is ToWorker {
  return tagged(message) && (message.type === 'gk:state' || message.type === 'gk:config' || message.type === 'gk:stop' || message.type === 'gk:listen')
}

export function isToPrimary (message: unknown): message is ToPrimary {
  return tagged(message) && (message.type === 'gk:config?' || message.type === 'gk:hello' || message.type === 'gk:applied' || message.type === 'gk:counts' || message.type === 'gk:observed' || message.type === 'gk:nodes' || message.type === 'gk:listened')
}

export function toWire (config: Config): WireConfig {
  const nodes = { ...config.nodes, nodes: config.nodes.nodes.map((node) => ({ ...node, url: node.url.href })) }
  return { ...config, upstream: config.upstream.href, nodes }
}

export function fromWire (config: WireConfig): Config {
  const nodes = { ...config.nodes, nodes: config.nodes.nodes.map((node) => ({ ...node, url: new URL(node.url) })) }
  return { ...config, upstream: new URL(config.upstream), nodes }
}
