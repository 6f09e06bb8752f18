import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { TEST_ENV } from './harness.js'

interface Teardown { teardown (fn: () => unknown): void }

export interface GatekeeperProcess {
  child: ChildProcess
  publicUrl: string
  adminUrl: string
  output: () => string
  stop (signal?: NodeJS.Signals): Promise<number | null>
}

export const CLI = join(process.cwd(), 'dist', 'src', 'cli.js')

export function writeConfig (dir: string, raw: Record<string, unknown>, name = 'gatekeeper.yaml'): string {
  const path = join(dir, name)
  writeFileSync(path, stringify(raw))
  return path
}

/** The command line of `gatekeeper serve`; with `fdLimit`, under that `ulimit -n` (through bash). */
function serveCommand (configPath: string, fdLimit?: number): [string, string[]] {
  const args = [CLI, 'serve', '--config', configPath]
  if (fdLimit === undefined) return [process.execPath, args]
  return ['bash', ['-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`, process.execPath, ...args]]
}

/** Runs `gatekeeper serve` as a real process and waits for its 'gatekeeper started' line. */
export function startProcess (t: Teardown, configPath: string, timeoutMs = 60_000, options: { fdLimit?: number } = {}): Promise<GatekeeperProcess> {
  const [command, args] = serveCommand(configPath, options.fdLimit)
  const child = spawn(command, args, { env: TEST_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let exited: Promise<number | null> = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { out += chunk.toString() })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gatekeeper did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs)
    const onData = (): void => {
      for (const line of out.split('\n')) {
        if (!line.includes('"gatekeeper started"')) continue
        const started = JSON.parse(line) as { publicUrl: string, adminUrl: string }
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        resolve({
          child,
          publicUrl: started.publicUrl,
          adminUrl: started.adminUrl,
          output: () => out,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode !== null || child.signalCode !== null) return exited
            child.kill(signal)
            return exited
          }
        })
        return
      }
    }
    child.stdout?.on('data', onData)
    exited = exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gatekeeper exited with ${String(code)} before starting:\n${out}`))
      return code
    })
  })
}

/** Runs `gatekeeper serve` expecting it to refuse to start; resolves with its exit code and output. */
export function runToExit (configPath: string, timeoutMs = 60_000): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], { env: TEST_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, output: out }) })
  })
}
