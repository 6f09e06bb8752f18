import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { OPERATOR_TOKEN, startHarness } from './helpers/harness.js'

/**
 * The upgrade-night guide is run as written: every `sh` block after the one
 * that starts the demo, in one bash, against a demo-like instance (the
 * machine allowlisted, the public on another loopback address).
 */
const GUIDE = 'docs/guides/upgrade-night.md'
// a dozen CLI processes and a ramp of two short steps: slow on a loaded machine
t.setTimeout(300_000)

function guideCommands (): string {
  const text = readFileSync(GUIDE, 'utf8')
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
  t.ok(blocks.length > 3, `${GUIDE} has its shell blocks`)
  t.match(blocks[0], /npm run demo/, 'the first block starts the demo, which this test stands in for')
  return ['set -euo pipefail', ...blocks.slice(1)].join('\n')
}

function runBash (script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 150_000)
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }) })
  })
}

t.test('the upgrade-night guide runs as written and ends with the site open', async (t) => {
  const h = await startHarness(t, {
    listen: { host: '127.0.0.2', port: 0 },
    allowlist: [{ cidr: '127.0.0.1/32', label: 'this machine' }]
  })
  const { code, out } = await runBash(guideCommands(), {
    ...process.env,
    GATEKEEPER_URL: h.gk.adminUrl,
    GATEKEEPER_TOKEN: OPERATOR_TOKEN,
    GATEKEEPER_PUBLIC_URL: h.gk.publicUrl
  })
  t.equal(code, 0, `every command succeeded:\n${out}`)
  const statuses = out.split('\n').filter((line) => /^\d{3}$/.test(line))
  t.same(statuses, ['503', '200', '200', '200'], 'closed to the public, open to the DBA and the tester, then open to all')
  t.match(out, /"code":"GK_MAINTENANCE"/, 'a JSON client gets the maintenance answer')
  t.match(out, /the ramp ended, completed/, 'the ramp completed')
  const state = await (await h.admin('GET', '/v1/state')).json() as { mode: string, allowlist: unknown[], tokens: unknown[] }
  t.equal(state.mode, 'open')
  t.same(state.allowlist, [], 'the DBA entry was removed')
  t.equal(state.tokens.length, 0, 'the tester token was revoked')
})
