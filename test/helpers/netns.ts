import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'

/**
 * A private network namespace for one test file: its own loopback, its own
 * empty iptables, torn down at the end. Everything the firewall tests touch
 * lives in here, so they never change the machine's rules.
 */
export interface Netns {
  name: string
  /** the prefix that runs a command inside: give it to createIptables({ exec }) */
  exec: string[]
  run (argv: string[], stdin?: string): Promise<{ code: number | null, stdout: string, stderr: string }>
  /** a TCP server inside the namespace that accepts and closes every connection */
  listen (host: string, port: number): Promise<void>
  /** a TCP connect from inside the namespace, bound to a source address */
  connect (host: string, port: number, localAddress: string): Promise<ConnectOutcome>
  /** iptables-save -t filter of one family, inside the namespace */
  save (family: 'v4' | 'v6'): Promise<string>
  /**
   * A veth cable to another test namespace, e.g. `10.200.0.1/24` here and
   * `10.200.0.2/24` there: traffic from it arrives on an interface that is not lo.
   */
  link (other: Netns, here: string, there: string): Promise<void>
}

export type ConnectOutcome = 'connected' | 'refused' | 'timed out'

interface Teardown {
  teardown (fn: () => unknown): void
}

/**
 * Long enough for a loopback handshake on a busy machine; a dropped SYN is
 * only ever seen as this much silence.
 */
const CONNECT_TIMEOUT_MS = 1000

// runs inside the namespace: serves and connects on request, one JSON line each way
const AGENT = `
const net = require('node:net')
const readline = require('node:readline')
const servers = []
const reply = (id, body) => process.stdout.write(JSON.stringify({ id, ...body }) + '\\n')
readline.createInterface({ input: process.stdin }).on('line', line => {
  const job = JSON.parse(line)
  if (job.op === 'listen') {
    const server = net.createServer(socket => socket.destroy())
    servers.push(server)
    server.on('error', err => reply(job.id, { error: err.message }))
    server.listen({ host: job.host, port: job.port, ipv6Only: job.host.includes(':') }, () => reply(job.id, { ok: true }))
  } else if (job.op === 'connect') {
    const socket = net.connect({ host: job.host, port: job.port, localAddress: job.localAddress })
    const done = outcome => { clearTimeout(timer); socket.destroy(); reply(job.id, { outcome }) }
    const timer = setTimeout(() => done('timed out'), job.timeoutMs)
    socket.once('connect', () => done('connected'))
    socket.once('error', err => done(err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' ? 'refused' : 'error ' + err.code))
  }
}).on('close', () => { for (const server of servers) server.close(); process.exit(0) })
`

export async function createNetns (t: Teardown): Promise<Netns> {
  requireTool('iptables-restore', 'iptables')
  requireTool('ip6tables-restore', 'iptables')
  requireTool('ip', 'iproute2')
  if (process.getuid?.() !== 0) throw new Error('the firewall tests create a network namespace and need root (CI runs as root)')

  const name = `gk-fw-${randomBytes(4).toString('hex')}`
  const exec = ['ip', 'netns', 'exec', name]
  const run = (argv: string[], stdin = ''): Promise<{ code: number | null, stdout: string, stderr: string }> => runCommand(argv, stdin)
  await must(run(['ip', 'netns', 'add', name]))
  t.teardown(() => run(['ip', 'netns', 'del', name]))
  await must(run(['ip', '-n', name, 'link', 'set', 'lo', 'up']))
  // ::1 alone cannot show one source admitted and another refused
  await must(run(['ip', '-n', name, 'addr', 'add', '::2/128', 'dev', 'lo', 'nodad']))
  await must(run(['ip', '-n', name, 'addr', 'add', '::3/128', 'dev', 'lo', 'nodad']))

  // a clean environment: the agent must not load the test runner's hooks and coverage
  const agent = spawn(exec[0] as string, [...exec.slice(1), process.execPath, '-e', AGENT], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } })
  t.teardown(() => stopAgent(agent))
  const waiting = new Map<number, (body: Record<string, unknown>) => void>()
  let agentErrors = ''
  agent.stderr.on('data', (chunk: Buffer) => { agentErrors += chunk.toString() })
  agent.stdin.on('error', () => {})
  agent.on('close', code => {
    for (const [, resolve] of waiting) resolve({ error: `the namespace agent exited (${code}): ${agentErrors}` })
    waiting.clear()
  })
  createInterface({ input: agent.stdout }).on('line', line => {
    const body = JSON.parse(line) as Record<string, unknown>
    const resolve = waiting.get(body.id as number)
    waiting.delete(body.id as number)
    resolve?.(body)
  })
  let nextId = 0
  function ask (job: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = nextId++
    return new Promise((resolve, reject) => {
      if (agent.exitCode !== null || agent.signalCode !== null) return reject(new Error(`the namespace agent exited: ${agentErrors}`))
      waiting.set(id, resolve)
      agent.stdin.write(`${JSON.stringify({ id, ...job })}\n`)
    })
  }

  return {
    name,
    exec,
    run: (argv, stdin) => run([...exec, ...argv], stdin),
    async listen (host, port) {
      const body = await ask({ op: 'listen', host, port })
      if (body.ok !== true) throw new Error(`cannot listen on ${host}:${port} in ${name}: ${String(body.error)}`)
    },
    async connect (host, port, localAddress) {
      const body = await ask({ op: 'connect', host, port, localAddress, timeoutMs: CONNECT_TIMEOUT_MS })
      const outcome = body.outcome
      if (outcome !== 'connected' && outcome !== 'refused' && outcome !== 'timed out') throw new Error(`connect ${localAddress} → ${host}:${port}: ${String(outcome ?? body.error)}`)
      return outcome
    },
    async link (other, here, there) {
      const near = `gk${randomBytes(3).toString('hex')}`
      const far = `${near}p`
      await must(run(['ip', '-n', name, 'link', 'add', near, 'type', 'veth', 'peer', 'name', far, 'netns', other.name]))
      await must(run(['ip', '-n', name, 'addr', 'add', here, 'dev', near]))
      await must(run(['ip', '-n', other.name, 'addr', 'add', there, 'dev', far]))
      await must(run(['ip', '-n', name, 'link', 'set', near, 'up']))
      await must(run(['ip', '-n', other.name, 'link', 'set', far, 'up']))
    },
    async save (family) {
      const result = await must(run([...exec, family === 'v4' ? 'iptables-save' : 'ip6tables-save', '-t', 'filter']))
      return result.stdout
    }
  }
}

function requireTool (command: string, pkg: string): void {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' })
  if (probe.error !== undefined) {
    throw new Error(`${command} is not installed: the firewall tests need the real thing (apt-get install -y ${pkg})`)
  }
}

async function must<T extends { code: number | null, stderr: string }> (pending: Promise<T>): Promise<T> {
  const result = await pending
  if (result.code !== 0) throw new Error(`command failed (${result.code}): ${result.stderr}`)
  return result
}

function runCommand (argv: string[], stdin: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
    // a command that exits without reading its input: its exit status tells what happened
    child.stdin.on('error', () => {})
    child.stdin.end(stdin)
  })
}

async function stopAgent (agent: ChildProcessWithoutNullStreams): Promise<void> {
  if (agent.exitCode !== null || agent.signalCode !== null) return
  const exited = new Promise(resolve => agent.once('close', resolve))
  agent.stdin.end()
  const timer = setTimeout(() => agent.kill('SIGKILL'), 2000)
  await exited
  clearTimeout(timer)
}
