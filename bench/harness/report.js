// The run's figures as Markdown: the table of medians, the ratios the issue
// sets targets for, the memory run and the workers' scaling.

import { median, pairedRatio, spread } from './stats.js'

const MB = 2 ** 20

function fixed (value, digits) {
  return Number.isFinite(value) ? value.toFixed(digits) : '–'
}

function table (header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`)
  ].join('\n')
}

function figuresTable (labels, rounds) {
  const rows = []
  for (const [key, runs] of Object.entries(rounds)) {
    const of = (figure) => runs.map((run) => run[figure])
    rows.push([
      labels.get(key) ?? key,
      fixed(median(of('rps')), 0),
      fixed(spread(of('rps')) * 100, 0) + ' %',
      fixed(median(of('p50Ms')), 2),
      fixed(median(of('p99Ms')), 2),
      fixed(median(of('cpuUsPerRequest')), 1),
      fixed(spread(of('cpuUsPerRequest')) * 100, 0) + ' %',
      fixed(median(of('systemShare')) * 100, 0) + ' %',
      runs.map((run) => run.coreBusy.map((busy) => fixed(busy * 100, 0)).join('/')).join(', '),
      fixed(Math.max(...of('rssBytes')) / MB, 0),
      fixed(median(of('passShare')) * 100, 1) + ' %'
    ])
  }
  return table(['contender', 'req/s', '± rounds', 'p50 ms', 'p99 ms', 'CPU µs/req', '± rounds', 'of it kernel', 'cores 0/1 busy, by round', 'peak RSS MB', '2xx'], rows)
}

/** `better` is 'low' (at most the target), 'high' (at least) or 'same' (within 5 % of it: no measurable difference). */
function ratioRow (rounds, what, a, b, figure, target, better) {
  if (rounds[a] === undefined || rounds[b] === undefined) return null
  const ratio = pairedRatio(rounds[a], rounds[b], figure)
  const within = better === 'low' ? ratio.median <= target : better === 'high' ? ratio.median >= target : Math.abs(ratio.median - target) <= 0.05
  const sign = { low: '≤', high: '≥', same: '≈' }[better]
  return [what, `${fixed(ratio.median, 2)}×`, `${fixed(ratio.min, 2)}–${fixed(ratio.max, 2)}`, target === null ? 'reference' : `${sign} ${target}×`, target === null ? '' : within ? 'met' : 'missed']
}

export function renderReport (results) {
  const { machine, rounds, memory, workers } = results
  const labels = new Map(results.contenders.map((c) => [c.key, c.label]))
  const out = []
  out.push(`## Run of ${machine.startedAt}`, '')
  out.push(`${machine.cpu}, ${machine.cores} cores, ${machine.kernel}; Node ${machine.node}, ${machine.wrk}, ${machine.nginx}; ` +
    `fastify ${machine.fastify}, @fastify/http-proxy ${machine.httpProxy}, @fastify/reply-from ${machine.replyFrom}, undici ${machine.undici}. ` +
    `Load average before ${machine.loadBefore}, after ${machine.loadAfter}.`, '')
  const o = machine.options
  out.push(`${o.rounds} interleaved rounds × ${o.seconds} s (after ${o.warmup} s warm-up), wrk -t1 -c${o.connections} --latency, keep-alive, 1 KB responses; ` +
    'contender pinned to core 1, wrk and the upstream to core 0. Figures are medians of the rounds; "± rounds" is (max − min) / median; ' +
    '"cores busy" is /proc/stat for the whole machine, other people\'s work included (a core near 100 % that is not the contender\'s means the figure was capped by it).', '')
  out.push(figuresTable(labels, rounds), '')

  const ratios = [
    ratioRow(rounds, 'Gatekeeper open ÷ bare http-proxy, CPU per request', 'open', 'bare', 'cpuUsPerRequest', 1.0, 'low'),
    ratioRow(rounds, 'Gatekeeper open ÷ bare http-proxy, requests/s', 'open', 'bare', 'rps', 1.5, 'high'),
    ratioRow(rounds, 'Gatekeeper closed ÷ nginx return 503, requests/s', 'closed', 'nginx-503', 'rps', 0.5, 'high'),
    ratioRow(rounds, 'Gatekeeper closed ÷ nginx return 503, CPU per request', 'closed', 'nginx-503', 'cpuUsPerRequest', null),
    ratioRow(rounds, '100 000 ÷ 10 allowlist entries, CPU per request', 'open-100k', 'open', 'cpuUsPerRequest', 1, 'same'),
    ratioRow(rounds, '100 000 ÷ 10 allowlist entries, requests/s', 'open-100k', 'open', 'rps', 1, 'same'),
    ratioRow(rounds, 'Gatekeeper open ÷ nginx proxy_pass, CPU per request', 'open', 'nginx', 'cpuUsPerRequest', null),
    ratioRow(rounds, 'bare http-proxy ÷ nginx proxy_pass, CPU per request', 'bare', 'nginx', 'cpuUsPerRequest', null),
    ratioRow(rounds, 'two nodes ÷ one node (upstream.nodes), CPU per request', 'nodes-2', 'nodes-1', 'cpuUsPerRequest', 1, 'same'),
    ratioRow(rounds, 'two nodes ÷ one node (upstream.nodes), requests/s', 'nodes-2', 'nodes-1', 'rps', null),
    ratioRow(rounds, 'one node in upstream.nodes ÷ upstream: URL, CPU per request', 'nodes-1', 'open', 'cpuUsPerRequest', null),
    ratioRow(rounds, '50 sites ÷ one site (sites:), CPU per request', 'sites-50', 'sites-1', 'cpuUsPerRequest', 1, 'same'),
    ratioRow(rounds, '50 sites ÷ one site (sites:), requests/s', 'sites-50', 'sites-1', 'rps', null),
    ratioRow(rounds, 'one site in sites: ÷ no sites:, CPU per request', 'sites-1', 'open', 'cpuUsPerRequest', null),
    ratioRow(rounds, 'Gatekeeper staged 50 % ÷ open, CPU per request', 'staged-50', 'open', 'cpuUsPerRequest', null),
    ratioRow(rounds, 'Gatekeeper open as shipped ÷ on plain node, CPU per request', 'open', 'open-untuned', 'cpuUsPerRequest', null)
  ].filter((row) => row !== null)
  if (ratios.length > 0) {
    out.push('Ratios, round by round (median, and the range over the rounds):', '')
    out.push(table(['ratio', 'median', 'range', 'target', ''], ratios), '')
  }

  for (const [key, points] of Object.entries(memory ?? {})) {
    out.push(`Memory, ${labels.get(key) ?? key}: ${points.at(-1).requests} requests in ${points.length - 1} chunks of 10 s, RSS read after each:`, '')
    const every = Math.max(1, Math.floor((points.length - 1) / 6))
    const picks = points.filter((_, i) => i === 0 || i === points.length - 1 || i % every === 0)
    out.push(table(['requests', 'RSS MB', 'peak in chunk MB'], picks.map((p) => [String(p.requests), fixed(p.rssBytes / MB, 1), p.peakBytes === undefined ? '–' : fixed(p.peakBytes / MB, 1)])), '')
    const settled = points.find((p) => p.requests >= 100_000) ?? points[1]
    if (settled !== undefined) {
      const largest = Math.max(...points.map((p) => p.peakBytes ?? p.rssBytes))
      out.push(`RSS from ${settled.requests} requests to the end: ${fixed(settled.rssBytes / MB, 1)} → ${fixed(points.at(-1).rssBytes / MB, 1)} MB ` +
        `(largest seen ${fixed(largest / MB, 1)} MB): target ≤ 100 MB under load ${largest <= 100 * MB ? 'met' : 'missed'}.`, '')
    }
  }

  if (workers !== null) {
    out.push('Workers (node:cluster): Gatekeeper unpinned on both cores; wrk and the upstream still pinned to core 0:', '')
    out.push(figuresTable(new Map(Object.entries(results.workerLabels ?? {})), workers), '')
    const scaling = ['open', 'closed'].map((mode) => ratioRow(workers, `${mode}: workers: 2 ÷ workers: 1, requests/s`, `workers-2-${mode}`, `workers-1-${mode}`, 'rps', null)).filter((row) => row !== null)
    if (scaling.length > 0) out.push(table(['ratio', 'median', 'range', 'target', ''], scaling), '')
  }
  return out.join('\n') + '\n'
}
