import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

/**
 * The npm package as a user gets it: `npm pack` builds dist/ on its own
 * (prepare), the tarball holds the program and no tests, and
 * `npm install -g` of it puts a working `gatekeeper` on the PATH.
 */
t.setTimeout(600_000)

function run (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null, stdout: string, stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 300_000 })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

t.test('npm pack, then npm install -g of the tarball gives a working gatekeeper', async (t) => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string, version: string, license: string, bin: Record<string, string>, private?: boolean }
  t.match(pkg.name, /^@[\w-]+\/gatekeeper$/, 'a scoped name: the bare name belongs to another package')
  t.notOk(pkg.private, 'publishable')
  t.match(readFileSync('LICENSE', 'utf8'), new RegExp(`^${pkg.license} License`), 'a LICENSE matching "license"')
  // node with the memory settings of docs/guides/performance.md, through env -S (coreutils 8.30 and later)
  t.match(readFileSync(pkg.bin.gatekeeper as string, 'utf8'), /^#!\/usr\/bin\/env -S (\w+=\S+ )*node( --[\w-]+=\S+)*\n/, 'the bin has a shebang that runs node')

  const dir = mkdtempSync(join(tmpdir(), 'gk-npm-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // npm pack runs prepare (tsc) first; the suite has just built dist/, and rebuilding it
  // here would rewrite files under the feet of the tests running beside this one
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts
  t.match(scripts.prepare, /\btsc\b/, 'prepare builds dist/, so a pack or a git install has it')
  const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json', '--loglevel=error'])
  t.equal(packed.status, 0, `npm pack: ${packed.stderr}`)
  const [listing] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
  const files = (listing?.files ?? []).map((file) => file.path)
  for (const path of ['dist/src/cli.js', 'dist/src/server.js', 'maintenance-pages/default.html', 'config/gatekeeper.yaml', 'LICENSE', 'README.md']) {
    t.ok(files.includes(path), `the tarball holds ${path}`)
  }
  t.notOk(files.some((path) => path.startsWith('test/') || path.startsWith('bench/') || path.startsWith('dist/test/') || path.endsWith('.png')), 'no tests, bench or screenshots')

  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  t.ok(tarball !== undefined, 'a tarball')
  const prefix = join(dir, 'global')
  const installed = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, tarball as string)])
  t.equal(installed.status, 0, `npm install -g: ${installed.stderr}`)
  const bin = join(prefix, 'bin', 'gatekeeper')
  t.ok(existsSync(bin), 'gatekeeper is in the prefix\'s bin')
  const version = run(bin, ['--version'])
  t.equal(version.stdout, `gatekeeper ${pkg.version}\n`, 'the installed CLI runs')
  const help = run(bin, ['help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /^Usage: gatekeeper <command>/m)
})
