import t from 'tap'
import { formatDuration, parseDuration, readDuration, readWholeSeconds } from '../src/state/duration.js'

const accepted: Array<[unknown, number]> = [
  [0, 0],
  [90, 90_000],
  [0.5, 500],
  [1.25, 1250],
  ['90', 90_000],
  ['0.5', 500],
  ['500ms', 500],
  ['90s', 90_000],
  ['10m', 600_000],
  ['1h30m', 5_400_000],
  ['8h', 28_800_000],
  ['2d', 172_800_000],
  ['1d2h3m4s5ms', 93_784_005],
  ['PT10M', 600_000],
  ['PT1H30M', 5_400_000],
  ['P1D', 86_400_000],
  ['P1DT12H', 129_600_000],
  ['PT0.5S', 500],
  ['PT90S', 90_000],
  ['PT0S', 0]
]

for (const [input, ms] of accepted) {
  t.equal(parseDuration(input), ms, `${JSON.stringify(input)} is ${ms} ms`)
}

const refused: Array<[unknown, RegExp]> = [
  ['', /empty/],
  [-1, /negative/],
  ['-5m', /negative/],
  [Number.NaN, /finite/],
  [Number.POSITIVE_INFINITY, /finite/],
  ['1h 30m', /space/],
  [' 5m', /space/],
  ['5x', /unknown unit "x"/],
  ['5H', /unknown unit "H"/],
  ['1.5h', /decimals/],
  ['0.0001', /three decimals/],
  [0.0001, /three decimals/],
  ['30m1h', /order/],
  ['5m5m', /order|repeated/],
  ['m', /form/],
  ['soon', /form/],
  ['P1Y', /years, months or weeks/],
  ['P1M', /years, months or weeks/],
  ['P2W', /years, months or weeks/],
  ['P', /ISO 8601/],
  ['PT', /ISO 8601/],
  ['P1DT', /ISO 8601/],
  ['PT1.5H', /ISO 8601/],
  ['PT0.0001S', /three decimals/],
  ['40000d', /100 years/],
  [1e12, /100 years/],
  [null, /neither/],
  [{}, /neither/],
  [true, /neither/]
]

for (const [input, reason] of refused) {
  const reading = readDuration(input)
  t.equal(reading.ok, false, `${String(JSON.stringify(input))} is refused`)
  if (!reading.ok) t.match(reading.reason, reason, `${String(JSON.stringify(input))}: ${reading.reason}`)
  t.equal(parseDuration(input), null)
}

t.test('whole seconds keep their own rule', async (t) => {
  t.same(readWholeSeconds('1h30m', 60, 86400), { ok: true, seconds: 5400 })
  t.same(readWholeSeconds('PT1M', 60, 86400), { ok: true, seconds: 60 })
  const half = readWholeSeconds('500ms', 0, 86400)
  t.equal(half.ok, false)
  if (!half.ok) t.match(half.reason, /not whole seconds/)
  const short = readWholeSeconds('10s', 60, 86400)
  if (!short.ok) t.match(short.reason, /outside 1m to 1d/)
  else t.fail('10s is under a minute')
})

t.test('the formatter writes the grammar back', async (t) => {
  t.equal(formatDuration(0), '0s')
  t.equal(formatDuration(500), '500ms')
  t.equal(formatDuration(5_400_000), '1h30m')
  t.equal(formatDuration(93_784_005), '1d2h3m4s5ms')
  t.equal(parseDuration(formatDuration(93_784_005)), 93_784_005)
})
