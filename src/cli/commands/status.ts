import { durationMs, expectPositionals } from '../args.js'
import { usageError } from '../errors.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { isRecord } from '../format.js'
import { progressLine, renderState } from '../state-view.js'
import { watchState } from '../watch.js'
import { SITE_HELP, SITE_OPTION, sitePath } from '../site-option.js'
import { readSiteSummaries, renderChain, renderSiteDependencies } from '../dependency-chain.js'

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the mode, the window, the ramp and the schedule',
  help: `Usage: gatekeeper status [--watch [--for DURATION] [--interval DURATION]]

Shows the state every instance serves: the mode, the reason, the window, a ramp
or schedule in progress, and the version (for --if-match). With sites: in the
configuration, also each site's dependencies ("app1 → depends on app2 (closed)");
with --site, what the site depends on and which of those block opening it.
  --watch              keep following it, one progress line on stderr, until --for
                       runs out or Ctrl-C; then print the state as it stands (exit 0)
  --for DURATION       how long to watch (30s, 10m, 1h)
  --interval DURATION  how often to re-read (default 1s)
${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke('status', args, io, { watch: { type: 'boolean', short: 'w' }, for: { type: 'string' }, interval: { type: 'string' }, ...SITE_OPTION })
    expectPositionals('status', inv.parsed, [])
    const site = inv.parsed.string('site')
    if (inv.parsed.flag('watch') && site !== undefined) throw usageError('gatekeeper status: --watch follows the site "default" only (not built yet for --site)')
    const watch = inv.parsed.flag('watch')
    const forText = inv.parsed.string('for')
    const intervalText = inv.parsed.string('interval')
    if (!watch && (forText !== undefined || intervalText !== undefined)) {
      throw usageError(`gatekeeper status: ${forText !== undefined ? '--for' : '--interval'} applies to --watch`)
    }
    let state: unknown
    if (watch) {
      const result = await watchState(inv, {
        forMs: forText === undefined ? undefined : durationMs(forText, 'gatekeeper status: --for'),
        intervalMs: intervalText === undefined ? 1000 : Math.max(100, durationMs(intervalText, 'gatekeeper status: --interval')),
        describe: progressLine
      })
      state = result.state
    } else {
      state = (await inv.client.call('GET', sitePath('status', site, '/v1/state'))).body
    }
    if (inv.json) printJson(io, state)
    else if (isRecord(state)) {
      io.out(renderState(state, io.now()))
      const sites = await readSiteSummaries(inv.client)
      const chain = site === undefined ? renderChain(sites) : renderSiteDependencies(sites, site)
      if (chain !== '') io.out(`\n${chain}`)
    }
    return 0
  }
}
