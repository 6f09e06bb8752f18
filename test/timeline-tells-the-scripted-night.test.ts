import t from 'tap'
import type { AuditEntry } from '../src/state/types.js'
import { timelineMarkdown } from '../src/timeline/markdown.js'
import { emptyMinute, hashText, minuteOf, sketchAdd, sketchToHex, type MinuteRecord } from '../src/timeline/minute.js'
import { buildTimeline } from '../src/timeline/phases.js'

const at = (hhmm: string, day = 27): number => Date.parse(`2026-11-${day}T${hhmm}Z`)
const MIN = 60_000

let version = 10
function entry (when: number, actor: string, action: string, after: Record<string, unknown>, before: Record<string, unknown> | null = {}): AuditEntry {
  return { version: ++version, at: new Date(when).toISOString(), actor, ip: '127.0.0.1', action, before, after }
}

const audit: AuditEntry[] = [
  entry(at('21:00:00'), 'ops', 'open', { mode: 'open', percent: 100 }),
  entry(at('22:10:00'), 'alice', 'close', { mode: 'closed', percent: 0, reason: 'upgrade to 23.1', window: { start: new Date(at('22:10:00')).toISOString(), end: new Date(at('23:30:00')).toISOString() } }),
  entry(at('22:12:00'), 'alice', 'token.create', { tokens: { added: [{ name: 'qa', expiresAt: '2026-11-28T06:00:00.000Z' }], removed: [] } }),
  entry(at('22:13:00'), 'alice', 'allowlist.add', { allowlist: { added: [{ cidr: '10.1.0.0/16', label: 'Office' }], removed: [] } }),
  entry(at('23:20:00'), 'alice', 'ramp.start', { mode: 'staged', percent: 5, ramp: { index: 0 } }),
  entry(at('23:30:00'), 'gatekeeper', 'ramp.step', { percent: 25, ramp: { index: 1 } }),
  entry(at('23:35:00'), 'gatekeeper', 'health.tripped', { reasons: ['5xx share 40 % is above 5 %'], figures: { requests: 50, serverErrorShare: 0.4, connectionErrorShare: 0, p99Ms: 120 } }, null),
  entry(at('23:35:00') + 200, 'gatekeeper', 'ramp.abort', { mode: 'closed', percent: 0, ramp: { ended: { outcome: 'aborted', reason: 'the health gate tripped' } } }),
  entry(at('23:40:00'), 'alice', 'close', { reason: 'rolling back', window: { start: new Date(at('22:10:00')).toISOString(), end: new Date(at('00:30:00', 28)).toISOString() } }),
  entry(at('00:15:00', 28), 'bob', 'open', { mode: 'open', percent: 100, window: {} })
]

/** Per minute: 3 public clients on the page while not open, a tester by token and one by the office, 20 % of 5xx while staged. */
function minutes (): MinuteRecord[] {
  const out: MinuteRecord[] = []
  for (let m = minuteOf(at('22:00:00')); m < minuteOf(at('00:30:00', 28)); m++) {
    const ms = m * MIN
    const r = emptyMinute(m)
    const notOpen = ms >= at('22:10:00') && ms < at('00:15:00', 28)
    const staged = ms >= at('23:20:00') && ms < at('23:35:00')
    if (notOpen) {
      r.turnedAway = staged ? 4 : 6
      const registers = new Uint8Array(64)
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) sketchAdd(registers, hashText(ip))
      r.clients = sketchToHex(registers)
    }
    r.admitted = notOpen ? (staged ? 2 : 0) : 10
    if (ms >= at('22:13:00') && ms < at('00:15:00', 28)) {
      r.testerRequests = 5
      r.testers = ['Office', 'token qa']
    }
    if (staged) {
      r.answers = 10
      r.errors5xx = 2
      r.latency[4] = 10
    }
    out.push(r)
  }
  return out
}

t.test('a scripted night: the phases, their durations and counts, the totals and how late the reopening was', async (t) => {
  const timeline = buildTimeline(audit, minutes(), at('22:00:00'), at('00:30:00', 28))
  const phases = timeline.phases.map((p) => ({ start: p.start.slice(11, 16), min: p.durationMs / MIN, mode: p.mode, percent: p.percent, kinds: p.events.map((e) => e.kind).join('+') }))
  t.same(phases, [
    { start: '22:00', min: 10, mode: 'open', percent: 100, kinds: '' },
    { start: '22:10', min: 2, mode: 'closed', percent: 0, kinds: 'mode' },
    { start: '22:12', min: 1, mode: 'closed', percent: 0, kinds: 'token' },
    { start: '22:13', min: 67, mode: 'closed', percent: 0, kinds: 'allowlist' },
    { start: '23:20', min: 10, mode: 'staged', percent: 5, kinds: 'ramp' },
    { start: '23:30', min: 5, mode: 'staged', percent: 25, kinds: 'ramp' },
    { start: '23:35', min: 5, mode: 'closed', percent: 0, kinds: 'abort+abort' },
    { start: '23:40', min: 35, mode: 'closed', percent: 0, kinds: 'eta' },
    { start: '00:15', min: 15, mode: 'open', percent: 100, kinds: 'mode' }
  ])
  const closing = timeline.phases[1]
  t.match(closing?.events[0], { who: 'alice', reason: 'upgrade to 23.1', what: 'closed' })
  t.equal(closing?.eta, '2026-11-27T23:30:00.000Z')
  t.match(closing?.experience, { publicTurnedAway: 12, publicClients: 3, publicLetThrough: 0, testerRequests: 0 })
  const office = timeline.phases[3]
  t.match(office?.experience, { publicTurnedAway: 67 * 6, publicClients: 3, testerRequests: 67 * 5, testers: ['Office', 'token qa'] })
  const step = timeline.phases[5]
  t.match(step?.experience, { publicLetThrough: 10, publicTurnedAway: 20, upstreamAnswers: 50, upstream5xx: 10, upstream5xxShare: 0.2, upstreamP99Ms: 100 })
  const abort = timeline.phases[6]
  t.match(abort?.events[0], { kind: 'abort', who: 'gatekeeper', reason: '5xx share 40 % is above 5 %', figures: { serverErrorShare: 0.4 } })
  t.match(abort?.events[1], { action: 'ramp.abort', what: 'ramp aborted: closed' })

  t.same({ ...timeline.totals, experience: undefined }, {
    closedMs: (70 + 40) * MIN,
    degradedMs: 15 * MIN,
    longestWaitMs: 125 * MIN,
    plannedEta: '2026-11-27T23:30:00.000Z',
    finalEta: '2026-11-28T00:30:00.000Z',
    reopenedAt: '2026-11-28T00:15:00.000Z',
    lateByMs: 45 * MIN,
    experience: undefined
  })
  t.equal(timeline.totals.experience.publicClients, 3, 'the same three clients all night are three')

  const markdown = timelineMarkdown(timeline, 'UTC')
  t.match(markdown, '# The window of 27 November 2026, 22:00–00:30 (UTC)')
  t.match(markdown, '- 22:10–22:12 (2 minutes) closed by alice: "upgrade to 23.1" · ETA 23:30 · public: 12 turned away (3 clients)')
  t.match(markdown, '- 22:13–23:20 (1 hour 7 minutes) allowlist added: Office (10.1.0.0/16) by alice')
  t.match(markdown, 'testers: 335 requests (Office, token qa)')
  t.match(markdown, '- 23:30–23:35 (5 minutes) ramp step (staged at 25 %) by gatekeeper')
  t.match(markdown, 'upstream: 20 % 5xx, p99 ≤ 100 ms')
  t.match(markdown, '- 23:35–23:40 (5 minutes) the health gate tripped by gatekeeper: "5xx share 40 % is above 5 %" [5xx 40 %, p99 120 ms, of 50 requests]; ramp aborted: closed by gatekeeper')
  t.match(markdown, '## 28 November 2026')
  t.match(markdown, '- 00:15–00:30 (15 minutes) opened by bob')
  t.match(markdown, '- Closed: 1 hour 50 minutes')
  t.match(markdown, '- Degraded (staged or read-only): 15 minutes')
  t.match(markdown, '- Longest stretch anyone waited on the page: 2 hours 5 minutes')
  t.match(markdown, '- Planned reopening 23:30 (ETA moved to 00:30), reopened 00:15: 45 minutes late')

  if (process.env.SHOW_TIMELINE === '1') console.error(markdown)
  const paris = timelineMarkdown(timeline, 'Europe/Paris')
  t.match(paris, '- 23:10–23:12 (2 minutes) closed by alice', 'times in the operator\'s zone')
  t.match(paris, 'reopened 01:15: 45 minutes late')
})

t.test('a timeline read from inside a window starts in the state the audit left it', async (t) => {
  const timeline = buildTimeline(audit, [], at('23:00:00'), at('23:25:00'))
  t.match(timeline.phases[0], { mode: 'closed', eta: '2026-11-27T23:30:00.000Z', events: [] })
  t.equal(timeline.totals.plannedEta, '2026-11-27T23:30:00.000Z')
  t.equal(timeline.totals.reopenedAt, null)
  t.match(timelineMarkdown(timeline, 'UTC'), 'Planned reopening 23:30: not reopened yet')
})

t.test('a store outage told by two instances is one outage, begun when it began', async (t) => {
  const outage = [
    ...audit.slice(0, 2),
    entry(at('22:31:02'), 'gatekeeper', 'store.recovered', { since: new Date(at('22:20:00')).toISOString(), reason: 'connection refused', instance: 'a' }, null),
    entry(at('22:31:05'), 'gatekeeper', 'store.recovered', { since: new Date(at('22:20:01')).toISOString(), reason: 'connection refused', instance: 'b' }, null)
  ]
  const timeline = buildTimeline(outage, [], at('22:00:00'), at('22:40:00'))
  t.same(timeline.phases.map((p) => [p.start.slice(11, 19), p.mode, p.events.map((e) => e.what).join('; ')]), [
    ['22:00:00', 'open', ''],
    ['22:10:00', 'closed', 'closed'],
    ['22:20:00', 'closed', 'the state store was out of reach'],
    ['22:31:02', 'closed', 'the state store was back']
  ])
  t.match(timelineMarkdown(timeline, 'UTC'), '- 22:20–22:31 (11 minutes) the state store was out of reach by gatekeeper: "connection refused"')
})
