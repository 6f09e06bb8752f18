import { expectPositionals } from '../args.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { isRecord } from '../format.js'

export const reloadCommand: Command = {
  name: 'reload',
  summary: 'read the configuration file again and apply it whole, or refuse it (operator)',
  help: `Usage: gatekeeper reload

Asks the running gatekeeper to read its configuration file again (the one
\`serve --config\` started with), as SIGHUP and \`systemctl reload gatekeeper\`
do. The whole file is checked first; then the settings that can change live
are applied together: allowlist, alwaysAllow, trustedProxies, maintenance
(the pages are read again), logLevel, accessLog, webhooks, healthGate,
publicRequestCutoffMs, websocket.closeGraceMs and the admin tokens. Requests
in flight and open WebSockets carry on.

A reload is refused whole, and the running configuration stays in force, when
the file cannot be read or is invalid (the key is named), or when a setting
that needs a restart differs (listen, admin.listen, admin.hosts, store,
workers, firewall, upstream, …: each is named, "restart to apply").

Prints the keys that changed. Exit status: 0 applied, 1 refused (the reason is
printed), 5 not an operator token; see gatekeeper help for the others.

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io)
    expectPositionals(this.name, inv.parsed, [])
    const answer = await inv.client.call('POST', '/v1/reload')
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const body = isRecord(answer.body) ? answer.body : {}
    const changed = Array.isArray(body.changed) ? body.changed.map(String) : []
    io.out(changed.length === 0
      ? `reloaded: nothing changed (configuration version ${String(body.version)})\n`
      : `reloaded: ${changed.join(', ')} changed (configuration version ${String(body.version)})\n`)
    return 0
  }
}
