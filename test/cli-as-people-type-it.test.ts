import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { OPERATOR_TOKEN, startHarness, tempDir } from './helpers/harness.js'

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version

t.test('--version, -V and version print the package version', async (t) => {
  const { run } = cliFor(t, null)
  for (const args of [['--version'], ['-V'], ['version']]) {
    const answer = await run(args)
    t.equal(answer.code, 0, `${args.join(' ')}: exit 0`)
    t.equal(answer.stdout, `gatekeeper ${VERSION}\n`, `${args.join(' ')}: the version`)
  }
})

t.test('a typo gets "did you mean" and the short usage, not the whole help', async (t) => {
  const { run } = cliFor(t, null)
  for (const [typed, meant] of [['stauts', 'status'], ['opne', 'open'], ['reaf-only', 'read-only'], ['sreve', 'serve']]) {
    const answer = await run([typed as string])
    t.equal(answer.code, 2, `${typed}: exit 2`)
    t.match(answer.stderr, `unknown command "${typed}"; did you mean "${meant}"?`)
    t.ok(answer.stderr.split('\n').length <= 3, `${typed}: a short answer`)
  }
  const far = await run(['frobnicate'])
  t.equal(far.code, 2)
  t.notMatch(far.stderr, /did you mean/, 'nothing close: no guess')
})

t.test('connection flags may stand before the command', async (t) => {
  const h = await startHarness(t)
  const { run } = cliFor(t, null)
  const answer = await run(['--url', h.gk.adminUrl, '--json', 'status'], { GATEKEEPER_TOKEN: OPERATOR_TOKEN })
  t.equal(answer.code, 0, answer.stderr)
  t.equal((JSON.parse(answer.stdout) as { mode: string }).mode, 'open')
  const equals = await run([`--url=${h.gk.adminUrl}`, 'status'], { GATEKEEPER_TOKEN: OPERATOR_TOKEN })
  t.equal(equals.code, 0, '--url=URL before the command')
  const bad = await run(['--bogus', 'status'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, 'unknown option --bogus')
})

t.test('help serve shows serve\'s own help', async (t) => {
  const { run } = cliFor(t, null)
  const [viaHelp, viaFlag] = await Promise.all([run(['help', 'serve']), run(['serve', '--help'])])
  t.equal(viaHelp.code, 0)
  t.match(viaHelp.stdout, /^Usage: gatekeeper serve \[--config FILE\]/)
  t.equal(viaHelp.stdout, viaFlag.stdout)
})

function configFile (dir: string, port: number, storePath: string): string {
  const path = join(dir, 'gatekeeper.yaml')
  writeFileSync(path, [
    `listen: { host: 127.0.0.1, port: ${port} }`,
    'upstream: http://127.0.0.1:9',
    'admin: { listen: { host: 127.0.0.1, port: 0 }, tokens: [] }',
    `store: { type: file, path: ${JSON.stringify(storePath)} }`
  ].join('\n'))
  return path
}

t.test('serve names the key at fault in one line: a busy port, an unusable state directory', async (t) => {
  const dir = tempDir(t)
  const { run } = cliFor(t, null)
  const squatter = createServer()
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
  t.teardown(() => squatter.close())
  const port = (squatter.address() as AddressInfo).port

  const busy = await run(['serve', '--config', configFile(dir, port, join(dir, 'state.json'))])
  t.equal(busy.code, 1)
  t.equal(busy.stderr, `gatekeeper serve: listen.port: 127.0.0.1:${port} is already in use (is another gatekeeper or service listening there?)\n`)

  const aFile = join(dir, 'not-a-directory')
  writeFileSync(aFile, '')
  const unusable = await run(['serve', '--config', configFile(dir, 0, join(aFile, 'state.json'))])
  t.equal(unusable.code, 1)
  t.match(unusable.stderr, /^gatekeeper serve: store\.path: \S*not-a-directory is not a directory/)
  t.notMatch(unusable.stderr, /\n\s+at /, 'no stack trace')
  t.equal(unusable.stderr.split('\n').length, 2, 'one line')
})
