import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { OPERATOR_TOKEN, type Harness } from './harness.js'

export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url))

export interface Run { code: number | null, stdout: string, stderr: string }
interface Teardown { teardown (fn: () => unknown): void }

/** The CLI as a real child process, with a clean environment pointing at `h`; killed by PID in teardown if still running. */
export function cliFor (t: Teardown, h: Harness | null, baseEnv: Record<string, string> = {}) {
  const children = new Set<ChildProcess>()
  const outputs: string[] = []
  t.teardown(() => { for (const child of children) if (child.exitCode === null) child.kill('SIGKILL') })
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...baseEnv }
  if (h !== null) Object.assign(env, { GATEKEEPER_URL: h.gk.adminUrl, GATEKEEPER_TOKEN: OPERATOR_TOKEN })
  const run = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    child.on('error', reject)
    child.on('close', (code) => {
      children.delete(child)
      outputs.push(stdout, stderr)
      resolve({ code, stdout, stderr })
    })
  })
  return { run, outputs }
}
