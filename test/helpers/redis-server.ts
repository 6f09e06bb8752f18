import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './ports.js'

export const REDIS_SERVER = '/usr/bin/redis-server'

interface Teardown {
  teardown (fn: () => unknown): void
}

export interface RedisServer {
  port: number
  url: string
  /** the running server's process id; changes on restart */
  readonly pid: number
  /** kills the server (SIGKILL, as a crash would) and waits for it to be gone */
  stop (): Promise<void>
  /** starts it again on the same port, empty: the tests run it without persistence */
  restart (): Promise<void>
}

export interface StartOptions {
  /** a one-node Redis Cluster owning every slot */
  cluster?: boolean
  /** a Sentinel watching this server as master `name` */
  sentinelFor?: { name: string, master: RedisServer }
}

/** A cluster node also listens on port + 10000 for its bus, so both must be free (and the port at most 55535). */
async function freeClusterPort (): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 35000)
    if (await isFree(port) && await isFree(port + 10000)) return port
  }
  throw new Error('no free port pair for a cluster node')
}

function isFree (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** Sends one inline command and returns the first reply line. */
function ask (port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(1000, () => socket.destroy(new Error('no answer')))
    socket.on('connect', () => socket.write(command + '\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) {
        socket.end()
        resolve(reply)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error('closed without an answer')))
  })
}

async function until (what: string, deadlineMs: number, check: () => Promise<boolean>, alive: () => string | null): Promise<void> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const death = alive()
    if (death !== null) throw new Error(`redis-server exited before ${what}: ${death}`)
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`redis-server: timed out waiting for ${what}`)
    await sleep(20)
  }
}

/**
 * Starts Debian's redis-server on a free loopback port, in its own temp
 * directory, without persistence, and stops it in the test's teardown.
 */
export async function startRedis (t: Teardown, options: StartOptions = {}): Promise<RedisServer> {
  try {
    await access(REDIS_SERVER, constants.X_OK)
  } catch {
    throw new Error(`${REDIS_SERVER} is missing: these tests need a real Redis; install it with \`apt-get install redis-server\``)
  }
  const port = options.cluster === true ? await freeClusterPort() : await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'gatekeeper-redis-'))
  const configFile = join(dir, 'redis.conf')
  const lines = [`port ${port}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${dir}`, 'daemonize no']
  // the node must name its address for clients to map slots to it
  if (options.cluster === true) lines.push('cluster-enabled yes', `cluster-config-file ${join(dir, 'nodes.conf')}`, 'cluster-announce-ip 127.0.0.1')
  if (options.sentinelFor !== undefined) lines.push(`sentinel monitor ${options.sentinelFor.name} 127.0.0.1 ${options.sentinelFor.master.port} 1`)
  await writeFile(configFile, lines.join('\n') + '\n')

  let child: ChildProcess | null = null
  let exited: string | null = null
  let output = ''

  async function launch (): Promise<void> {
    exited = null
    output = ''
    const args = options.sentinelFor === undefined ? [configFile] : [configFile, '--sentinel']
    const started = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = started
    const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-2000) }
    started.stdout?.on('data', keep)
    started.stderr?.on('data', keep)
    started.on('exit', (code, signal) => { exited = `code ${code} signal ${signal}; output: ${output}` })
    started.on('error', (err) => { exited = err.message })
    await until('answering PING', 5000, async () => (await ask(port, 'PING')).startsWith('+PONG'), () => exited)
    if (options.cluster === true) {
      const slots = await ask(port, 'CLUSTER SLOTS')
      if (slots.startsWith('*0')) await ask(port, 'CLUSTER ADDSLOTSRANGE 0 16383')
      await until('cluster_state:ok', 5000, async () => (await clusterInfo(port)).includes('cluster_state:ok'), () => exited)
    }
  }

  async function stop (): Promise<void> {
    const running = child
    if (running === null || exited !== null || running.pid === undefined) return
    const gone = new Promise<void>((resolve) => running.once('exit', () => resolve()))
    process.kill(running.pid, 'SIGKILL')
    await gone
    child = null
  }

  t.teardown(async () => {
    await stop()
    await rm(dir, { recursive: true, force: true })
  })
  await launch()

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid () {
      return child?.pid ?? -1
    },
    stop,
    async restart () {
      await stop()
      await launch()
    }
  }
}

/** CLUSTER INFO is a bulk reply: read it whole. */
function clusterInfo (port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(1000, () => socket.destroy(new Error('no answer')))
    socket.on('connect', () => socket.write('CLUSTER INFO\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('cluster_state:')) {
        socket.end()
        resolve(reply)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error('closed without an answer')))
  })
}
