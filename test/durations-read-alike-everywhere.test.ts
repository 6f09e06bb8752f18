import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { startHarness } from './helpers/harness.js'

const MINUTE = 60_000
const TOLERANCE = 2 * MINUTE

t.test('the API reads a token ttl as 1h30m or PT1H30M alike, and refuses 500ms naming the field', async (t) => {
  const h = await startHarness(t)
  for (const [name, ttl] of [['sandra', '1h30m'], ['iso', 'PT1H30M']]) {
    const before = Date.now()
    const res = await h.admin('POST', '/v1/tokens', { name, ttl })
    t.equal(res.status, 201, `ttl ${ttl} is taken`)
    const { expiresAt } = await res.json() as { expiresAt: string }
    const ahead = Date.parse(expiresAt) - before
    t.ok(Math.abs(ahead - 90 * MINUTE) < TOLERANCE, `ttl ${ttl}: expires 90 minutes ahead (${ahead} ms)`)
  }
  const half = await h.admin('POST', '/v1/tokens', { name: 'half', ttl: '500ms' })
  t.equal(half.status, 400)
  t.match(await half.json(), { code: 'GK_ERR_BAD_FIELD', message: /body\.ttl:.*whole seconds/ })
  const years = await h.admin('POST', '/v1/tokens', { name: 'years', ttl: 'P1Y' })
  t.equal(years.status, 400)
  t.match(await years.json(), { message: /body\.ttl:.*years, months or weeks/ })
})

t.test('the API reads a close retryAfter and a ramp step hold in the same grammar', async (t) => {
  const h = await startHarness(t)
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrade', retryAfter: 'PT2M' })).status, 200, 'retryAfter PT2M')
  t.equal(((await (await h.admin('GET', '/v1/state')).json()) as { retryAfter?: number }).retryAfter, 120, 'kept as seconds')
  const res = await h.admin('POST', '/v1/ramp', { steps: [{ percent: 5, hold: 'PT5M' }, { percent: 25, hold: '1h30m' }, { percent: 100 }] })
  t.equal(res.status, 200, 'hold PT5M and 1h30m are taken')
  const state = await (await h.admin('GET', '/v1/state')).json() as { ramp?: { steps: Array<{ percent: number, holdSeconds: number }> } }
  t.same(state.ramp?.steps.map((step) => step.holdSeconds), [300, 5400, 0])
})

t.test('the CLI takes --ttl PT8H', async (t) => {
  const h = await startHarness(t)
  const { run } = cliFor(t, h)
  const before = Date.now()
  const created = await run(['token', 'create', 'ana', '--ttl', 'PT8H', '--json'])
  t.equal(created.code, 0, created.stderr)
  const { expiresAt } = JSON.parse(created.stdout) as { expiresAt: string }
  const ahead = Date.parse(expiresAt) - before
  t.ok(Math.abs(ahead - 8 * 60 * MINUTE) < TOLERANCE, `expires 8 hours ahead (${ahead} ms)`)
})

t.test('the configuration takes hold: PT5M in ramp.steps', async (t) => {
  const h = await startHarness(t, { ramp: { steps: [{ percent: 5, hold: 'PT5M' }, { percent: 50, hold: '1h30m' }, { percent: 100 }] } })
  t.same(h.config.ramp.steps.map((step) => step.holdSeconds), [300, 5400, 0])
})
