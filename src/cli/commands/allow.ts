import { CHANGE_OPTIONS, expectPositionals, timeArg } from '../args.js'
import { changeFlagsOf, sendChange } from '../change.js'
import { CHANGE_HELP, CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { isRecord, moment, recordsOf, textOf } from '../format.js'
import { siteName } from '../site-option.js'
import { renderTable } from '../table.js'

const addCommand: Command = {
  name: 'allow add',
  summary: 'let an address or network through the gate',
  help: `Usage: gatekeeper allow add CIDR [--label TEXT] [--expires TIME] [--site NAME]...

Adds a dynamic allowlist entry, at once on every instance: clients from CIDR
pass in every mode. A single address is /32 (IPv4) or /128 (IPv6).
  --label TEXT     who or what it is ("DBA laptop")
  --expires TIME   when it stops: ISO 8601 with a zone, or a duration from now (8h)
  --site NAME      a site whose gate it admits on (repeat for several; with
                   sites: in the configuration). Default: every site. An entry
                   limited to sites opens no firewall port

Example: gatekeeper allow add 203.0.113.7/32 --label "tester: Ana" --expires 6h
         gatekeeper allow add 203.0.113.8 --site app1 --site app2

${CHANGE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { label: { type: 'string', short: 'l' }, expires: { type: 'string' }, site: { type: 'string', multiple: true }, ...CHANGE_OPTIONS })
    const [cidr] = expectPositionals(this.name, inv.parsed, ['cidr'])
    const flags = changeFlagsOf(this.name, inv.parsed)
    const body: Record<string, unknown> = { cidr }
    const label = inv.parsed.string('label')
    const expires = inv.parsed.string('expires')
    if (label !== undefined) body.label = label
    if (expires !== undefined) body.expiresAt = timeArg(expires, `gatekeeper ${this.name}: --expires`, io.now())
    const sites = inv.parsed.strings('site').map((site) => siteName(this.name, site) as string)
    if (sites.length > 0) body.sites = sites
    const answer = await sendChange(inv, 'POST', '/v1/allowlist', body, flags)
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const state = isRecord(answer.body) ? answer.body : {}
    // the API appends the new entry
    const entry = recordsOf(state.allowlist).at(-1) ?? {}
    const expiry = moment(textOf(entry.expiresAt), io.now())
    const on = Array.isArray(entry.sites) ? ` on ${entry.sites.map(textOf).join(', ')}` : ''
    io.out(`allowed ${textOf(entry.cidr)}${textOf(entry.label) === '' ? '' : ` (${textOf(entry.label)})`}${on}${expiry === undefined ? ', no expiry' : `, until ${expiry}`}; state version ${textOf(state.version)}\n`)
    return 0
  }
}

const listCommand: Command = {
  name: 'allow list',
  summary: 'list the allowlist: the configured entries and the dynamic ones',
  help: `Usage: gatekeeper allow list

Lists who passes the gate by address: the entries from the configuration
(changed only there) and the dynamic ones (allow add / allow remove). Once an
entry is limited to some sites, a last column shows the sites each admits on
("(every site)" for an entry not limited to some).

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io)
    expectPositionals(this.name, inv.parsed, [])
    const answer = await inv.client.call('GET', '/v1/allowlist')
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const body = isRecord(answer.body) ? answer.body : {}
    const dynamic = recordsOf(body.dynamic)
    // the sites column only once some entry is limited to sites: without sites: the list reads as it always did
    const limited = dynamic.some((entry) => Array.isArray(entry.sites))
    const sitesOf = (entry: Record<string, unknown>): string[] => limited ? [Array.isArray(entry.sites) ? entry.sites.map(textOf).join(', ') : '(every site)'] : []
    const rows = [
      ...recordsOf(body.static).map((entry) => [textOf(entry.cidr), textOf(entry.label), 'config', '', '', ...sitesOf(entry)]),
      ...dynamic.map((entry) => [
        textOf(entry.cidr),
        textOf(entry.label),
        entry.expired === true ? 'dynamic (expired)' : 'dynamic',
        moment(textOf(entry.expiresAt), io.now()) ?? 'never',
        textOf(entry.addedBy),
        ...sitesOf(entry)
      ])
    ]
    io.out(rows.length === 0 ? 'the allowlist is empty\n' : renderTable(['cidr', 'label', 'source', 'expires', 'added by', ...(limited ? ['sites'] : [])], rows))
    return 0
  }
}

const removeCommand: Command = {
  name: 'allow remove',
  summary: 'remove a dynamic allowlist entry',
  help: `Usage: gatekeeper allow remove CIDR

Removes a dynamic allowlist entry, at once on every instance. Entries from the
configuration file are changed there.

${CHANGE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, CHANGE_OPTIONS)
    const [cidr] = expectPositionals(this.name, inv.parsed, ['cidr'])
    const flags = changeFlagsOf(this.name, inv.parsed)
    const answer = await sendChange(inv, 'DELETE', `/v1/allowlist/${encodeURIComponent(cidr as string)}`, undefined, flags)
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    io.out(`removed ${cidr as string} from the allowlist; state version ${textOf(isRecord(answer.body) ? answer.body.version : '')}\n`)
    return 0
  }
}

export const allowCommands: readonly Command[] = [addCommand, listCommand, removeCommand]
