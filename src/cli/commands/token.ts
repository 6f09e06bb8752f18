import { CHANGE_OPTIONS, durationSeconds, expectPositionals } from '../args.js'
import { changeFlagsOf, sendChange } from '../change.js'
import { CHANGE_HELP, CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { usageError } from '../errors.js'
import { isRecord, moment, recordsOf, textOf } from '../format.js'
import { renderFields, renderTable } from '../table.js'

const createCommand: Command = {
  name: 'token create',
  summary: 'make a named, expiring bypass token for a tester (shown once)',
  help: `Usage: gatekeeper token create NAME --ttl DURATION [--site NAME]... [--public-url URL]

Makes a bypass token for a tester: the holder passes the gate from anywhere,
with the link (which sets a cookie) or the header, until the token expires or
is revoked. The secret is printed once and never stored: copy it now.
  --ttl DURATION     how long it works: 60s to 30d (90m, 8h, 2d)
  --site NAME        a site whose gate it passes (repeat for several; with
                     sites: in the configuration). Default: every site
  --public-url URL   the site's public address, to print the whole link
                     (default: GATEKEEPER_PUBLIC_URL; else the link's path alone)

Example: gatekeeper token create ana --ttl 8h --public-url https://lms.example.edu
         gatekeeper token create ana --ttl 8h --site app1 --site app2

${CHANGE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { ttl: { type: 'string' }, site: { type: 'string', multiple: true }, 'public-url': { type: 'string' }, ...CHANGE_OPTIONS })
    const [name] = expectPositionals(this.name, inv.parsed, ['name'])
    const ttlText = inv.parsed.string('ttl')
    if (ttlText === undefined) throw usageError(`gatekeeper ${this.name}: --ttl is required, e.g. --ttl 8h`)
    const ttl = durationSeconds(ttlText, `gatekeeper ${this.name}: --ttl`, 60, 30 * 86400)
    const publicUrl = publicBase(inv.parsed.string('public-url') ?? io.env.GATEKEEPER_PUBLIC_URL, this.name)
    const flags = changeFlagsOf(this.name, inv.parsed)
    const sites = inv.parsed.strings('site')
    const answer = await sendChange(inv, 'POST', '/v1/tokens', { name, ttl, ...(sites.length === 0 ? {} : { sites }) }, flags)
    const created = isRecord(answer.body) ? answer.body : {}
    const secret = textOf(created.token)
    const link = publicUrl === undefined ? textOf(created.link) : publicUrl + textOf(created.link)
    io.err(`warning: the token is shown this once and cannot be shown again; revoke it with \`gatekeeper token revoke ${name as string}\`\n`)
    if (inv.json) {
      printJson(io, publicUrl === undefined ? created : { ...created, url: link })
      return 0
    }
    io.out(renderFields([
      ['token', secret],
      ['name', textOf(created.name)],
      ['expires', moment(textOf(created.expiresAt), io.now())],
      ...(sites.length === 0 ? [] : [['sites', sites.join(', ')] as [string, string]]),
      ['link', publicUrl === undefined ? `${link}  (after the site's public address)` : link],
      ['header', `${textOf(created.header)}: ${secret}`]
    ]))
    return 0
  }
}

function publicBase (text: string | undefined, command: string): string | undefined {
  if (text === undefined || text === '') return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw usageError(`gatekeeper ${command}: --public-url must be a URL such as https://www.example.org, got ${JSON.stringify(text)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`gatekeeper ${command}: --public-url must start with http:// or https://`)
  return url.origin
}

const listCommand: Command = {
  name: 'token list',
  summary: 'list the bypass tokens (names and expiry; never the secrets)',
  help: `Usage: gatekeeper token list

Lists the bypass tokens by name, with who made them, when they expire and
the sites they pass ("(every site)" for a token not limited to some).
The secrets are not stored and cannot be listed.

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io)
    expectPositionals(this.name, inv.parsed, [])
    const answer = await inv.client.call('GET', '/v1/tokens')
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const rows = recordsOf(answer.body).map((token) => [
      textOf(token.name),
      (token.expired === true ? 'expired ' : '') + (moment(textOf(token.expiresAt), io.now()) ?? ''),
      textOf(token.createdBy),
      moment(textOf(token.createdAt), io.now()) ?? '',
      Array.isArray(token.sites) ? token.sites.map(textOf).join(', ') : '(every site)'
    ])
    io.out(rows.length === 0 ? 'no bypass tokens\n' : renderTable(['name', 'expires', 'created by', 'created', 'sites'], rows))
    return 0
  }
}

const revokeCommand: Command = {
  name: 'token revoke',
  summary: 'revoke a bypass token at once, everywhere',
  help: `Usage: gatekeeper token revoke NAME

Revokes the bypass token NAME: its holder is held at the gate on the next request.

${CHANGE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, CHANGE_OPTIONS)
    const [name] = expectPositionals(this.name, inv.parsed, ['name'])
    const flags = changeFlagsOf(this.name, inv.parsed)
    const answer = await sendChange(inv, 'DELETE', `/v1/tokens/${encodeURIComponent(name as string)}`, undefined, flags)
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    io.out(`revoked the bypass token "${name as string}"; state version ${textOf(isRecord(answer.body) ? answer.body.version : '')}\n`)
    return 0
  }
}

export const tokenCommands: readonly Command[] = [createCommand, listCommand, revokeCommand]
