import { CHANGE_OPTIONS, expectPositionals } from '../args.js'
import { changeFlagsOf } from '../change.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { usageError } from '../errors.js'
import { humanDuration, isRecord, recordsOf, textOf } from '../format.js'
import { renderTable } from '../table.js'
import { SITE_HELP, SITE_OPTION, sitePath } from '../site-option.js'

const STATES = ['in', 'drain', 'out', 'testers']

function ago (value: unknown, now: number): string {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(at) ? '-' : `${humanDuration(now - at)} ago`
}

function nodeRow (node: Record<string, unknown>, now: number): string[] {
  return [
    textOf(node.name),
    textOf(node.url),
    textOf(node.state) + (typeof node.reason === 'string' && node.reason !== '' ? ` (${node.reason})` : ''),
    textOf(node.health),
    textOf(node.inFlight),
    textOf(node.requests),
    textOf(node.errors),
    ago(node.lastCheck, now)
  ]
}

const HEADINGS = ['node', 'url', 'state', 'health', 'in flight', 'requests', 'errors', 'checked']

export const nodesCommand: Command = {
  name: 'nodes',
  summary: 'list the application nodes: state, health, requests in flight',
  help: `Usage: gatekeeper nodes

Lists the application nodes behind the gate: the state the operator set (in,
drain, out, testers, with its reason), the health seen by the checks (up, down,
unknown), and this instance's requests in flight, requests and errors per node.

${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, SITE_OPTION)
    expectPositionals(this.name, inv.parsed, [])
    const answer = await inv.client.call('GET', sitePath(this.name, inv.parsed.string('site'), '/v1/nodes'))
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const nodes = recordsOf(isRecord(answer.body) ? answer.body.nodes : undefined)
    io.out(renderTable(HEADINGS, nodes.map((node) => nodeRow(node, io.now()))))
    return 0
  }
}

export const nodeCommand: Command = {
  name: 'node',
  summary: 'set a node\'s state: in, drain, out or testers',
  help: `Usage: gatekeeper node NAME in|drain|out|testers [--reason TEXT] [--wait drained [--timeout SECONDS]]

Sets the state of one application node:
  in        serves everyone the gate admits
  drain     takes no new sessions; requests of its sessions still go there
  out       serves nothing
  testers   serves only testers (allowlisted addresses, bypass tokens), never the public
  -r, --reason TEXT        why, recorded in the audit log and shown by \`gatekeeper nodes\`
  --if-match VERSION       change only if the state is still at VERSION (exit 6 if it moved)
  --wait drained           for drain and out: return once this instance has no request
                           in flight to the node (sessions are not waited for)
  --timeout SECONDS        how long --wait waits (default 10, at most 3600; 90s, 5m also read)

Example: gatekeeper node stubing testers --reason "2.4.1 under test"

${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { reason: { type: 'string', short: 'r' }, ...CHANGE_OPTIONS, ...SITE_OPTION })
    const [name, state] = expectPositionals(this.name, inv.parsed, ['NAME', 'STATE'])
    if (!STATES.includes(state as string)) throw usageError(`gatekeeper node: the state must be one of ${STATES.join(', ')}, got ${JSON.stringify(state)}`)
    const flags = changeFlagsOf(this.name, inv.parsed)
    if (flags.wait === 'applied') throw usageError('gatekeeper node: --wait takes drained (the node\'s requests in flight)')
    const body: Record<string, unknown> = { state }
    const reason = inv.parsed.string('reason')
    if (reason !== undefined) body.reason = reason
    const answer = await inv.client.call('POST', sitePath(this.name, inv.parsed.string('site'), `/v1/nodes/${encodeURIComponent(name as string)}`), {
      body,
      ifMatch: flags.ifMatch,
      ...(flags.wait === undefined ? {} : { query: { wait: flags.wait, timeout: flags.timeoutSeconds }, timeoutMs: (flags.timeoutSeconds + 10) * 1000, waiting: true })
    })
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const node = isRecord(answer.body) && isRecord(answer.body.node) ? answer.body.node : {}
    io.out(renderTable(HEADINGS, [nodeRow(node, io.now())]))
    return 0
  }
}
