import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { settle, startReopenHarness } from './helpers/reopen-harness.js'

/** An address nothing listens on: a port taken, then given back. */
async function closedPortUrl (): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

t.test('with action hold, connection errors pause the ramp and the site stays staged', async (t) => {
  const h = await startReopenHarness(t, {
    initialMode: 'closed',
    // the keys come through the test's stand-in for an API gateway: the key header is taken only from a trusted proxy
    staged: { keyHeader: 'x-client' },
    trustedProxies: ['127.0.0.1/32'],
    healthGate: { action: 'hold', connectionErrors: { maxShare: 0.5, minSamples: 8 } }
  }, { upstreamUrl: await closedPortUrl() })
  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 60, hold: '10m' }, { percent: 100 }] })).status, 200)
  t.equal(h.state().ramp?.abortOn.action, 'hold', 'the ramp carries the configured action')

  await sendUntilPassed(publicUrl(h, '/'), 'x-client', 8, { passed: (answer) => answer.status === 502 })
  h.clock.advance(1000)
  const paused = await h.waitForState((s) => s.ramp?.paused === true, 'the health gate to hold the ramp')
  t.equal(paused.mode, 'staged')
  t.equal(paused.percent, 60)
  t.match(paused.ramp, { pausedBy: 'gatekeeper', pauseReason: /^health gate: connection errors and timeouts 100\.0 % of 8 requests/ })

  h.clock.advance(3_600_000)
  await settle()
  t.equal(h.state().percent, 60, 'a held ramp takes no step')
  t.equal(h.state().ramp?.ended, undefined, 'nor ends: the sysadmin decides')
})
