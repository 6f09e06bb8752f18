import { expectPositionals, wholeNumberArg } from '../args.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { isRecord, recordsOf, textOf } from '../format.js'
import { renderTable } from '../table.js'
import { SITE_OPTION, siteName } from '../site-option.js'

const CHANGE_WIDTH = 100

export const auditCommand: Command = {
  name: 'audit',
  summary: 'show who changed what, when and from where (newest first)',
  help: `Usage: gatekeeper audit [--limit N] [--site NAME]

Shows the audit log, newest first: the version, when, the token's name, the
address, the action and what changed (before → after; an allowlist or token
change as +added -removed).
  -n, --limit N   how many entries (1 to 1000, default 20)
  --site NAME     only that site's entries (with sites:, every site's by default)

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { limit: { type: 'string', short: 'n' }, ...SITE_OPTION })
    expectPositionals(this.name, inv.parsed, [])
    const limitText = inv.parsed.string('limit')
    const limit = limitText === undefined ? 20 : wholeNumberArg(limitText, 'gatekeeper audit: --limit', 1, 1000)
    const site = siteName(this.name, inv.parsed.string('site'))
    const answer = await inv.client.call('GET', '/v1/audit', { query: { limit, site } })
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const rows = recordsOf(answer.body).map((entry) => [
      textOf(entry.version),
      textOf(entry.at),
      textOf(entry.actor),
      textOf(entry.ip),
      textOf(entry.action),
      changeText(entry.before, entry.after)
    ])
    io.out(rows.length === 0 ? 'the audit log is empty\n' : renderTable(['version', 'at', 'actor', 'ip', 'action', 'change'], rows))
    return 0
  }
}

/** "mode: closed → open, percent: 0 → 100", "allowlist: +10.1.0.0/16 -10.2.0.0/16", cut to fit a line. */
function changeText (before: unknown, after: unknown): string {
  const was = isRecord(before) ? before : {}
  const now = isRecord(after) ? after : {}
  const keys = [...new Set([...Object.keys(now), ...Object.keys(was)])]
  const text = keys.map((key) => {
    const delta = listDelta(now[key])
    if (delta !== null && !(key in was)) return `${key}: ${delta}`
    if (!(key in was)) return `${key}: ${short(now[key])}`
    if (!(key in now)) return `${key}: ${short(was[key])} → (none)`
    return `${key}: ${short(was[key])} → ${short(now[key])}`
  }).join(', ')
  return text.length > CHANGE_WIDTH ? `${text.slice(0, CHANGE_WIDTH - 1)}…` : text
}

/** A list's change as the audit records it, `{added, removed}`: its entries by CIDR or name; null for anything else. */
function listDelta (value: unknown): string | null {
  if (!isRecord(value) || !Array.isArray(value.added) || !Array.isArray(value.removed)) return null
  const label = (item: unknown): string => isRecord(item) ? textOf(item.cidr ?? item.name) : textOf(item)
  return [...value.added.map((item) => `+${label(item)}`), ...value.removed.map((item) => `-${label(item)}`)].join(' ')
}

function short (value: unknown): string {
  if (typeof value === 'string') return value === '' ? '""' : value
  if (Array.isArray(value)) return `[${value.length}]`
  return textOf(value)
}
