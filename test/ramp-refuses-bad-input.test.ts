import t from 'tap'
import { VIEWER_TOKEN } from './helpers/harness.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

t.test('bad ramp bodies get a 400 naming the field, and the state file stays byte for byte', async (t) => {
  const h = await startReopenHarness(t, { initialMode: 'closed' })
  const before = h.stateBytes()
  const F = 'GK_ERR_BAD_FIELD'
  const U = 'GK_ERR_UNKNOWN_FIELD'
  const cases: Array<[unknown, string, RegExp]> = [
    [{ steps: [] }, F, /body\.steps: must be a list of 1 to 20 steps/],
    [{ steps: 'fast' }, F, /body\.steps: must be a list/],
    [{ steps: [{ percent: 0, hold: 60 }] }, F, /body\.steps\[0\]\.percent: must be a number above 0/],
    [{ steps: [{ percent: 5.555, hold: 60 }] }, F, /body\.steps\[0\]\.percent:.*two decimals/],
    [{ steps: [{ percent: 50, hold: 60 }, { percent: 25, hold: 60 }] }, F, /body\.steps\[1\]\.percent: must be above the step before it \(50 %\)/],
    [{ steps: [{ percent: 5 }, { percent: 100 }] }, F, /body\.steps\[0\]\.hold: must be a duration/],
    [{ steps: [{ percent: 5, hold: '5 minutes' }] }, F, /body\.steps\[0\]\.hold: must be a duration.*"5 minutes"/],
    [{ steps: [{ percent: 5, hold: 60, wait: 1 }] }, U, /body\.steps\[0\] has an unknown field "wait"/],
    [{ steps: [{ percent: 5, hold: 60 }], abortOn: { serverErrors: { maxShare: 5 } } }, F, /body\.abortOn\.serverErrors\.maxShare: must be a share from 0 to 1/],
    [{ steps: [{ percent: 5, hold: 60 }], abortOn: { action: 'panic' } }, F, /body\.abortOn\.action: must be one of abort, hold/],
    [{ steps: [{ percent: 5, hold: 60 }], abortOn: { p99: 100 } }, U, /body\.abortOn has an unknown field "p99"/],
    [{ steps: [{ percent: 5, hold: 60 }], speed: 'fast' }, U, /body has an unknown field "speed"/]
  ]
  for (const [body, code, message] of cases) {
    const res = await h.admin('POST', '/v1/ramp', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(await res.json(), { statusCode: 400, code, message })
  }
  const promote = await h.admin('POST', '/v1/ramp/promote', { full: 'yes' })
  t.equal(promote.status, 400)
  t.match(await promote.json(), { code: 'GK_ERR_BAD_FIELD', message: /body\.full: must be true or false/ })

  const viewer = await h.admin('POST', '/v1/ramp', { steps: [{ percent: 5, hold: 60 }] }, { authorization: `Bearer ${VIEWER_TOKEN}` })
  t.equal(viewer.status, 403, 'a viewer cannot start a ramp')
  t.ok(h.stateBytes().equals(before), 'nothing was written')
  t.equal(h.state().ramp, undefined)
})
