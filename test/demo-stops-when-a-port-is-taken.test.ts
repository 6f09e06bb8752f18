import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/**
 * The demo listens on fixed ports (3000, 8080, 8081), so it runs in a
 * private network namespace: its ports clash with nothing on this machine,
 * and the test takes one of them first.
 */
const DEMO = fileURLToPath(new URL('../dist/src/demo.js', import.meta.url))

function ip (args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`)
}

t.test('the demo stops with one line naming the port when its admin port is taken', async (t) => {
  const ns = `gk-demo-${process.pid}`
  ip(['netns', 'add', ns])
  t.teardown(() => { spawnSync('ip', ['netns', 'delete', ns]) })
  ip(['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'])

  const squatter = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
    "require('node:net').createServer().listen(8081, '127.0.0.1', () => console.log('listening'))"], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { squatter.kill('SIGKILL') })
  await new Promise<void>((resolve, reject) => {
    squatter.stdout?.once('data', () => resolve())
    squatter.once('exit', (code) => reject(new Error(`the squatter exited with ${String(code)}`)))
  })

  const demo = spawn('ip', ['netns', 'exec', ns, process.execPath, DEMO], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } })
  let stderr = ''
  let stdout = ''
  demo.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  demo.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  const timer = setTimeout(() => { demo.kill('SIGKILL') }, 60_000)
  const code = await new Promise<number | null>((resolve) => demo.once('exit', (exit) => resolve(exit)))
  clearTimeout(timer)
  t.equal(code, 1, 'the demo exits by itself, with 1')
  t.match(stderr, /^gatekeeper demo: gatekeeper: admin\.listen\.port: 127\.0\.0\.1:8081 is already in use/, `one line naming the key:\n${stderr}`)
  t.notMatch(stderr, /\n\s+at /, 'no stack trace')
  t.notMatch(stdout, /Gatekeeper is in front/, 'it never claims to be running')
})
