import { expectPositionals } from '../args.js'
import { instancesIn } from '../change.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { humanDuration, isRecord, recordsOf, textOf } from '../format.js'
import { renderTable } from '../table.js'

export const instancesCommand: Command = {
  name: 'instances',
  summary: 'list the live gatekeeper instances and the state version each has applied',
  help: `Usage: gatekeeper instances

Lists the instances sharing this state: the version each has applied (one
behind the state is marked), the public requests in flight and the public
websockets open on each, and when each was last heard from. An instance that
stopped reporting without leaving is listed as silent: it may still be serving
an older state.

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io)
    expectPositionals(this.name, inv.parsed, [])
    const answer = await inv.client.call('GET', '/v1/instances')
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const body = isRecord(answer.body) ? answer.body : {}
    const current = typeof body.version === 'number' ? body.version : undefined
    const now = io.now()
    const row = (instance: Record<string, unknown>, silent: boolean): string[] => [
      textOf(instance.id),
      textOf(instance.host),
      textOf(instance.pid),
      textOf(instance.version) + (current !== undefined && typeof instance.version === 'number' && instance.version < current ? ' (behind)' : ''),
      textOf(instance.inFlight),
      textOf(instance.webSockets),
      ago(instance.startedAt, now),
      ago(instance.seenAt, now) + (silent ? ' (silent)' : '')
    ]
    const rows = [
      ...recordsOf(instancesIn(answer.body)).map((instance) => row(instance, false)),
      ...recordsOf(body.silent).map((instance) => row(instance, true))
    ]
    io.out(rows.length === 0
      ? 'no live instance has reported\n'
      : renderTable(['id', 'host', 'pid', 'version', 'in flight', 'websockets', 'started', 'seen'], rows))
    return 0
  }
}

function ago (value: unknown, now: number): string {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(at) ? textOf(value) : `${humanDuration(now - at)} ago`
}
