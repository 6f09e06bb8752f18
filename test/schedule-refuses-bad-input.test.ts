import t from 'tap'
import { startReopenHarness } from './helpers/reopen-harness.js'

t.test('bad schedules get a 400 naming the field, and the state file stays byte for byte', async (t) => {
  const h = await startReopenHarness(t)
  const now = h.clock.now()
  const at = (ms: number): string => new Date(now + ms).toISOString()
  const before = h.stateBytes()
  const cases: Array<[unknown, string, RegExp]> = [
    [{}, 'GK_ERR_MISSING_FIELD', /body\.closeAt is required/],
    [{ closeAt: at(-60_000) }, 'GK_ERR_BAD_TIME', /body\.closeAt is not a usable time: it is in the past/],
    [{ closeAt: '2030-01-01T02:00:00' }, 'GK_ERR_BAD_TIME', /body\.closeAt is not a usable time: it must be an ISO 8601 time with a zone/],
    [{ closeAt: 'tonight' }, 'GK_ERR_BAD_TIME', /body\.closeAt is not a usable time: it must be an ISO 8601 time/],
    [{ closeAt: at(3600_000), openAt: at(3600_000) }, 'GK_ERR_BAD_TIME', /body\.openAt is not a usable time: it .* must be after body\.closeAt/],
    [{ closeAt: at(3600_000), openAt: at(60_000) }, 'GK_ERR_BAD_TIME', /body\.openAt is not a usable time: it .* must be after body\.closeAt/],
    [{ closeAt: at(60_000), openAt: at(-1000) }, 'GK_ERR_BAD_TIME', /body\.openAt is not a usable time: it is in the past/],
    [{ closeAt: at(60_000), then: 'later' }, 'GK_ERR_BAD_FIELD', /body\.then: must be one of hold, ramp, open/],
    [{ closeAt: at(60_000), then: 'open' }, 'GK_ERR_BAD_COMBINATION', /body\.then "open" needs body\.openAt/],
    [{ closeAt: at(60_000), openAt: at(120_000), ramp: { steps: [{ percent: 100 }] } }, 'GK_ERR_BAD_COMBINATION', /body\.ramp is only for body\.then "ramp"/],
    [{ closeAt: at(60_000), openAt: at(120_000), then: 'ramp', ramp: { steps: [{ percent: 10, hold: 60 }, { percent: 5, hold: 60 }] } },
      'GK_ERR_BAD_FIELD', /body\.ramp\.steps\[1\]\.percent: must be above/],
    [{ closeAt: at(60_000), reason: 7 }, 'GK_ERR_BAD_FIELD', /body\.reason: must be a string/],
    [{ closeAt: at(60_000), when: 'now' }, 'GK_ERR_UNKNOWN_FIELD', /body has an unknown field "when"/]
  ]
  for (const [body, code, message] of cases) {
    const res = await h.admin('POST', '/v1/schedule', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(await res.json(), { code, message })
  }
  t.ok(h.stateBytes().equals(before), 'nothing was written')

  t.equal((await h.admin('POST', '/v1/schedule/extend', { by: '1h' })).status, 404, 'no schedule to extend')
  t.equal((await h.admin('POST', '/v1/schedule', { closeAt: at(60_000) })).status, 201)
  const scheduled = h.stateBytes()
  const extendCases: Array<[unknown, number, RegExp]> = [
    [{ by: '1h' }, 409, /no openAt to extend/],
    [{}, 400, /exactly one of body\.openAt .* or body\.by/],
    [{ by: '1h', openAt: at(7200_000) }, 400, /exactly one of/],
    [{ by: 'a while' }, 400, /body\.by: must be a duration/],
    [{ openAt: at(30_000) }, 400, /body\.openAt is not a usable time: it .* must be after the schedule's closeAt/],
    [{ openAt: at(-30_000) }, 400, /body\.openAt is not a usable time: it is in the past/]
  ]
  for (const [body, status, message] of extendCases) {
    const res = await h.admin('POST', '/v1/schedule/extend', body)
    t.equal(res.status, status, JSON.stringify(body))
    t.match(await res.json(), { message })
  }
  const second = await h.admin('POST', '/v1/schedule', { closeAt: at(120_000) })
  t.equal(second.status, 409)
  t.match(await second.json(), { message: /a schedule already exists/ })
  t.ok(h.stateBytes().equals(scheduled), 'the refused calls wrote nothing')
})
