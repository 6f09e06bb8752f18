import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'
import { until } from './helpers/cluster.js'

const SECONDS = 8

/** One bounded wrk run; killed by its own pid should it outlive its duration by far. */
function wrk (url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t', '1', '-c', '8', '-d', `${SECONDS}s`, '--timeout', '5s', url], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
    const guard = setTimeout(() => { child.kill('SIGKILL') }, (SECONDS + 30) * 1000)
    child.once('error', (err) => { clearTimeout(guard); reject(err) })
    child.once('exit', (code) => {
      clearTimeout(guard)
      if (code === 0) resolve(out)
      else reject(new Error(`wrk exited with ${String(code)}:\n${out}`))
    })
  })
}

t.test('ten reloads under a wrk run: no socket error, no unexpected status, the same process', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  // closed: every request passes only because 127.0.0.1 stays on the allowlist through every reload
  const raw = rawConfig(dir, upstream.url, { initialMode: 'closed', allowlist: ['127.0.0.1/32'], logLevel: 'info', accessLog: false })
  const path = writeConfig(dir, raw)
  const gk = await startProcess(t, path)
  const pid = gk.child.pid as number
  const admin = adminClient(gk.adminUrl)

  const load = wrk(gk.publicUrl + '/echo')
  const outcomes: string[] = []
  for (let i = 0; i < 10; i++) {
    if (i === 4) {
      writeFileSync(path, 'allowlist: [')
    } else {
      writeConfig(dir, { ...raw, allowlist: ['127.0.0.1/32', `10.0.${i}.0/24`], publicRequestCutoffMs: 1000 + i })
    }
    if (i % 2 === 0) {
      // counted by the signal's own lines: an API reload's line may still be on its way through the pipe
      const signalLines = (): number => gk.output().split('"via":"signal"').length
      const before = signalLines()
      process.kill(pid, 'SIGHUP')
      await until(`reload ${i} is logged`, () => signalLines() > before, 15_000)
      outcomes.push(i === 4 ? 'refused' : 'applied')
    } else {
      const res = await admin('POST', '/v1/reload')
      outcomes.push(res.status === 200 ? 'applied' : `refused ${res.status}`)
    }
  }
  const report = await load
  t.same(outcomes, ['applied', 'applied', 'applied', 'applied', 'refused', 'applied', 'applied', 'applied', 'applied', 'applied'])
  t.match(gk.output(), /GK_ERR_RELOAD_REFUSED/, 'the broken file was refused')
  const requests = Number(/(\d+) requests in/.exec(report)?.[1] ?? '0')
  t.ok(requests > 0, `wrk made requests:\n${report}`)
  t.notMatch(report, /Socket errors/, `no socket errors:\n${report}`)
  t.notMatch(report, /Non-2xx or 3xx responses/, `every answer was a 200:\n${report}`)
  t.equal(gk.child.exitCode, null, 'still running')
  t.equal(gk.child.pid, pid)
})
