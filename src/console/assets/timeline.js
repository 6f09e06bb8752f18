// The timeline card: the current or last window, told and drawn. The chart
// is an SVG built here, element by element: no library, no request beyond
// the admin API's own /v1/timeline. Colours come from the stylesheet's
// variables, so it follows the light and dark themes.

import { duration } from './format.js'

const SVG = 'http://www.w3.org/2000/svg'
const H = 240
const LEFT = 44
const RIGHT = 44
const TOP = 22
const BOTTOM = 30
const PLOT_H = H - TOP - BOTTOM
const MINUTE = 60000

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const hhmm = (iso) => timeFormat.format(Date.parse(iso))

function svg (name, attrs, parent) {
  const node = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value))
  if (parent !== undefined) parent.appendChild(node)
  return node
}

function html (name, props = {}, ...children) {
  const node = document.createElement(name)
  Object.assign(node, props)
  node.append(...children)
  return node
}

/** What share of the public a phase let in: all when open or read-only (its reads), the percent when staged, none when closed. */
function shareOf (phase) {
  if (phase.mode === 'closed') return 0
  if (phase.mode === 'staged') return phase.percent
  return 100
}

function eventText (event) {
  const by = event.who === '' ? '' : ` by ${event.who}`
  const why = event.reason === null ? '' : `: "${event.reason}"`
  return `${event.what}${by}${why}`
}

/** The chart: bands by mode, the share admitted, public let in and turned away per minute, the upstream's 5xx share and p99, and the changes marked. */
export function timelineChart (timeline, W = 640) {
  // drawn at the width it is shown at, so its letters stay readable on a phone
  const PLOT_W = W - LEFT - RIGHT
  const from = Date.parse(timeline.from)
  const to = Math.max(Date.parse(timeline.to), from + MINUTE)
  const x = (ms) => LEFT + (Math.min(Math.max(ms, from), to) - from) / (to - from) * PLOT_W
  const yShare = (percent) => TOP + PLOT_H - percent / 100 * PLOT_H
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'tl-chart', role: 'img', 'aria-labelledby': 'tl-chart-title' })
  svg('title', { id: 'tl-chart-title' }, root).textContent = `The window from ${hhmm(timeline.from)} to ${hhmm(timeline.to)}: ${timeline.phases.length} phases`

  const bands = svg('g', { class: 'tl-bands' }, root)
  for (const phase of timeline.phases) {
    const x0 = x(Date.parse(phase.start))
    svg('rect', { class: `tl-band ${phase.mode}`, x: x0, y: TOP, width: Math.max(0.5, x(Date.parse(phase.end)) - x0), height: PLOT_H }, bands)
  }

  // requests per minute, on their own scale: let in from the bottom, turned away stacked on top
  const minutes = timeline.minutes ?? []
  const most = Math.max(1, ...minutes.map((m) => m.admitted + m.turnedAway))
  // a minute's bar spans the part of the minute inside the range; its middle is where its dots go
  const span = (m) => [x(Date.parse(m.at)), x(Date.parse(m.at) + MINUTE)]
  const middle = (m) => { const [a, b] = span(m); return (a + b) / 2 }
  const bars = svg('g', { class: 'tl-bars' }, root)
  for (const m of minutes) {
    const [x0, x1] = span(m)
    const barW = Math.max(1, x1 - x0 - 1)
    const inH = m.admitted / most * PLOT_H
    const awayH = m.turnedAway / most * PLOT_H
    if (inH > 0) svg('rect', { class: 'tl-let-in', x: x0, y: TOP + PLOT_H - inH, width: barW, height: inH }, bars)
    if (awayH > 0) svg('rect', { class: 'tl-turned-away', x: x0, y: TOP + PLOT_H - inH - awayH, width: barW, height: awayH }, bars)
  }

  // the share admitted, a step line
  let share = ''
  for (const phase of timeline.phases) {
    const y = yShare(shareOf(phase))
    share += `${share === '' ? 'M' : 'L'}${x(Date.parse(phase.start)).toFixed(1)},${y.toFixed(1)} L${x(Date.parse(phase.end)).toFixed(1)},${y.toFixed(1)} `
  }
  svg('path', { class: 'tl-share', d: share.trim(), 'data-series': 'share' }, root)

  // the upstream, as the health gate saw it: 5xx share on the percent scale, p99 on its own
  const judged = minutes.filter((m) => m.answers + m.failures > 0)
  if (judged.length > 0) {
    const errors = judged.map((m, i) => `${i === 0 ? 'M' : 'L'}${middle(m).toFixed(1)},${yShare((m.errors5xx + m.failures) / (m.answers + m.failures) * 100).toFixed(1)}`).join(' ')
    svg('path', { class: 'tl-errors', d: errors, 'data-series': 'errors' }, root)
    // a single minute is a point, not a line: each minute gets a dot
    for (const m of judged) svg('circle', { class: 'tl-errors-dot', cx: middle(m), cy: yShare((m.errors5xx + m.failures) / (m.answers + m.failures) * 100), r: 3 }, root)
    const slowest = Math.max(1, ...judged.map((m) => m.p99Ms ?? 0))
    const p99 = judged.filter((m) => m.p99Ms !== null).map((m, i) => `${i === 0 ? 'M' : 'L'}${middle(m).toFixed(1)},${(TOP + PLOT_H - m.p99Ms / slowest * PLOT_H).toFixed(1)}`).join(' ')
    if (p99 !== '') svg('path', { class: 'tl-p99', d: p99, 'data-series': 'p99' }, root)
    svg('text', { class: 'tl-axis', x: W - RIGHT + 4, y: TOP + 4 }, root).textContent = `${slowest} ms`
  }

  // the changes, marked where they happened; an abort stands out
  const marks = svg('g', { class: 'tl-marks' }, root)
  for (const phase of timeline.phases) {
    if (phase.events.length === 0) continue
    const kind = phase.events.some((e) => e.kind === 'abort') ? 'abort' : phase.events[0].kind
    const at = x(Date.parse(phase.start))
    const mark = svg('g', { class: `tl-mark ${kind}`, 'data-kind': kind }, marks)
    svg('title', {}, mark).textContent = `${hhmm(phase.start)} ${phase.events.map(eventText).join('; ')}`
    svg('line', { x1: at, x2: at, y1: TOP - 6, y2: TOP + PLOT_H }, mark)
    svg('circle', { cx: at, cy: TOP - 8, r: kind === 'abort' ? 6 : 4 }, mark)
    if (kind === 'abort') svg('text', { class: 'tl-abort-label', x: at + 8, y: TOP - 4 }, mark).textContent = 'abort'
  }

  // axes: the share on the left, the time below
  for (const percent of [0, 50, 100]) {
    svg('line', { class: 'tl-grid', x1: LEFT, x2: W - RIGHT, y1: yShare(percent), y2: yShare(percent) }, root)
    svg('text', { class: 'tl-axis', x: LEFT - 6, y: yShare(percent) + 4, 'text-anchor': 'end' }, root).textContent = `${percent} %`
  }
  svg('text', { class: 'tl-axis', x: LEFT, y: H - 8 }, root).textContent = hhmm(timeline.from)
  svg('text', { class: 'tl-axis', x: W - RIGHT, y: H - 8, 'text-anchor': 'end' }, root).textContent = hhmm(timeline.to)
  svg('text', { class: 'tl-axis', x: LEFT + PLOT_W / 2, y: H - 8, 'text-anchor': 'middle' }, root).textContent = `${most} req/min at most`
  return root
}

function legend () {
  const items = [['tl-key share', 'share admitted'], ['tl-key let-in', 'public let in'], ['tl-key turned-away', 'turned away'], ['tl-key errors', 'upstream 5xx share'], ['tl-key p99', 'upstream p99 (right scale)'], ['tl-key abort', 'abort']]
  return html('ul', { className: 'tl-legend' }, ...items.map(([className, text]) => html('li', {}, html('span', { className }), text)))
}

function totalsText (totals) {
  const parts = [`closed ${duration(totals.closedMs / 1000)}`, `degraded ${duration(totals.degradedMs / 1000)}`]
  if (totals.longestWaitMs > 0) parts.push(`longest wait on the page ${duration(totals.longestWaitMs / 1000)}`)
  if (totals.lateByMs !== null) parts.push(totals.lateByMs > 0 ? `${duration(totals.lateByMs / 1000)} late` : `${duration(-totals.lateByMs / 1000)} early`)
  else if (totals.plannedEta !== null) parts.push(`planned ${hhmm(totals.plannedEta)}, not reopened yet`)
  return parts.join(' · ')
}

/** Fills the card: the chart, its legend, the phases one a line, the totals and the Markdown to download. */
export function renderTimeline (box, timeline) {
  if (timeline === null) {
    box.replaceChildren(html('p', { className: 'empty' }, 'This gatekeeper does not tell timelines.'))
    return
  }
  const phases = html('ol', { className: 'tl-phases' }, ...timeline.phases.map((phase) => {
    const what = phase.events.length === 0 ? `${phase.mode} (already)` : phase.events.map(eventText).join('; ')
    return html('li', { className: phase.events.some((e) => e.kind === 'abort') ? 'abort' : '' },
      html('time', { dateTime: phase.start }, `${hhmm(phase.start)}–${hhmm(phase.end)}`), ` (${duration(phase.durationMs / 1000)}) ${what}`)
  }))
  const day = timeline.from.slice(0, 10)
  const download = html('a', { className: 'button', id: 'timeline-download', download: `timeline-${day}.md`, href: `data:text/markdown;charset=utf-8,${encodeURIComponent(timeline.markdown ?? '')}` }, 'Download Markdown')
  box.replaceChildren(
    html('div', { className: 'tl-figure' }, timelineChart(timeline, Math.round(Math.min(900, Math.max(320, box.clientWidth || 640))))),
    legend(),
    phases,
    html('p', { className: 'tl-totals' }, totalsText(timeline.totals)),
    download
  )
}
