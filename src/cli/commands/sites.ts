import { expectPositionals } from '../args.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { recordsOf, textOf } from '../format.js'
import { renderTable } from '../table.js'
import { renderChain, siteSummaries } from '../dependency-chain.js'
import { flagsText } from '../state-view.js'

export const sitesCommand: Command = {
  name: 'sites',
  summary: 'list the sites with their mode, reason, expected end and dependencies',
  help: `Usage: gatekeeper sites

Lists the sites of the configuration's sites: (or the one site "default"),
each with its own state: the mode (and share while staged), the reason, the
expected end, and the sites it depends on; then, for each site that depends
on others, its chain with their modes ("app1 → depends on app2 (closed)");
then each site flagged because a site it depends on was closed by its
health gate (its own mode is unchanged: closing it is the operator's call).
Act on one with --site NAME on
close, open, read-only, stage and status.

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io)
    expectPositionals(this.name, inv.parsed, [])
    const answer = await inv.client.call('GET', '/v1/sites')
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const rows = recordsOf(answer.body).map((site) => [
      textOf(site.name),
      site.mode === 'staged' ? `staged ${textOf(site.percent)} %` : textOf(site.mode),
      textOf(site.version),
      site.eta === null || site.eta === undefined ? '' : textOf(site.eta),
      Array.isArray(site.dependsOn) ? site.dependsOn.map(textOf).join(', ') : '',
      textOf(site.reason)
    ])
    io.out(renderTable(['site', 'mode', 'version', 'until', 'depends on', 'reason'], rows))
    const chain = renderChain(siteSummaries(answer.body))
    if (chain !== '') io.out(`\n${chain}`)
    // a dependency closed by its health gate: the operator decides about the sites that depend on it
    const now = Date.now()
    const flagged = recordsOf(answer.body).flatMap((site) => {
      const text = flagsText(site.flags, now)
      return text === undefined ? [] : [`${textOf(site.name)}: ${text}\n`]
    })
    if (flagged.length > 0) io.out(`\n${flagged.join('')}`)
    return 0
  }
}
