import t from 'tap'
import { timeZoneOf } from '../src/timeline/markdown.js'
import { checkedRange, timeOf } from '../src/timeline/range.js'

t.test('22:00 is the last time the clock in the zone read so; now and ISO 8601 pass as they are', async (t) => {
  const lateEvening = Date.parse('2026-11-27T22:30:00Z') // 23:30 in Paris (UTC+1 in November)
  t.equal(new Date(timeOf('22:00', 'f', 'Europe/Paris', lateEvening)).toISOString(), '2026-11-27T21:00:00.000Z')
  t.equal(new Date(timeOf('23:45', 'f', 'Europe/Paris', lateEvening)).toISOString(), '2026-11-26T22:45:00.000Z', 'not yet today: yesterday\'s')
  t.equal(new Date(timeOf('22:00', 'f', 'UTC', lateEvening)).toISOString(), '2026-11-27T22:00:00.000Z')
  const summer = Date.parse('2026-07-01T03:00:00Z') // 23:00 the day before in New York (UTC-4)
  t.equal(new Date(timeOf('22:00', 'f', 'America/New_York', summer)).toISOString(), '2026-07-01T02:00:00.000Z')
  t.equal(timeOf('now', 'f', 'UTC', lateEvening), lateEvening)
  t.equal(timeOf('2026-11-27T20:00:00Z', 'f', 'UTC', lateEvening), Date.parse('2026-11-27T20:00:00Z'))
  t.throws(() => timeOf('10pm', 'query.from', 'UTC', lateEvening), { code: 'GK_ERR_BAD_TIME', message: /query\.from/ })
  t.throws(() => timeOf('25:00', 'query.from', 'UTC', lateEvening), { code: 'GK_ERR_BAD_TIME' })
  t.throws(() => timeZoneOf('Mars/Olympus', 'query.tz'), { code: 'GK_ERR_BAD_FIELD', message: /query\.tz.*unknown time zone/ })
  t.equal(timeZoneOf('Europe/Paris'), 'Europe/Paris')
  t.throws(() => checkedRange(2000, 1000), { code: 'GK_ERR_BAD_COMBINATION' })
  t.throws(() => checkedRange(0, 8 * 24 * 3600_000), { code: 'GK_ERR_BAD_COMBINATION', message: /7 days/ })
})
