// The views. Everything from the API is written as text (textContent), never
// as markup: a reason or a label typed by someone else cannot become HTML.

import { currentEffect } from './effects.js'
import { ago, clockTime, duration, holdText, localTime, percentText, shortValue } from './format.js'

const byId = (id) => document.getElementById(id)

/** A small element builder: attributes as an object, children as text or nodes. */
export function el (tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'className') node.className = value
    else if (key === 'onClick') node.addEventListener('click', value)
    else node.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child)
  }
  return node
}

function table (caption, headings, rows) {
  return el('div', { className: 'table-wrap' },
    el('table', {},
      el('caption', { className: 'visually-hidden' }, caption),
      el('thead', {}, el('tr', {}, ...headings.map((heading) => el('th', { scope: 'col' }, heading)))),
      el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell, i) => el('td', { 'data-label': headings[i] }, cell)))))))
}

function empty (text) {
  return el('p', { className: 'muted' }, text)
}

export function runningRamp (state) {
  return state.ramp !== undefined && state.ramp !== null && state.ramp.ended === undefined ? state.ramp : null
}

export function renderSite (state, now) {
  const mode = byId('mode')
  mode.textContent = state.mode
  mode.dataset.mode = state.mode
  byId('percent').textContent = state.mode === 'staged' ? percentText(state.percent) : ''
  byId('mode-effect').textContent = currentEffect(state)
  byId('reason').textContent = state.reason === '' ? '(none given)' : state.reason
  const end = state.window?.end
  const eta = byId('eta')
  if (end === undefined) {
    eta.textContent = state.mode === 'open' ? '—' : 'not announced'
  } else {
    const left = (Date.parse(end) - now) / 1000
    eta.replaceChildren(el('time', { datetime: end, title: new Date(end).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' }, localTime(end)),
      ' ', el('span', { className: 'muted' }, left > 0 ? `(in ${duration(left)})` : '(passed)'))
  }
  byId('changed').textContent = `${ago(state.updatedAt, now)} by ${state.updatedBy}`
  byId('version').textContent = String(state.version)
}

/** Which buttons make sense for the state shown; the API refuses the rest anyway. */
export function updateButtons (state) {
  const ramp = runningRamp(state)
  const enabled = {
    close: true,
    'read-only': true,
    stage: true,
    ramp: state.mode !== 'open' && ramp === null,
    open: state.mode !== 'open',
    abort: ramp !== null,
    pause: ramp !== null && !ramp.paused,
    resume: ramp !== null && ramp.paused,
    promote: ramp !== null
  }
  // the cards' own buttons only: the dialog's confirm button is the dialog's to enable
  for (const button of document.querySelectorAll('.actions button[data-action]')) {
    button.disabled = enabled[button.dataset.action] !== true
  }
}

function stepList (ramp) {
  return el('ol', { className: 'steps' }, ...ramp.steps.map((step, i) => {
    const state = i < ramp.index ? 'done' : i === ramp.index ? 'current' : 'todo'
    return el('li', { className: state, 'aria-current': state === 'current' ? 'step' : null },
      percentText(step.percent), step.holdSeconds > 0 ? el('span', { className: 'muted' }, ` ${holdText(step.holdSeconds)}`) : null)
  }))
}

/** `info` is GET /v1/ramp's answer, or null when this gatekeeper has no such call. */
export function renderRamp (state, info, now) {
  const box = byId('ramp')
  const ramp = state.ramp
  if (ramp === undefined || ramp === null) {
    box.replaceChildren(empty('No ramp has run in this window.'))
    return
  }
  const step = ramp.steps[ramp.index]
  const parts = []
  if (ramp.ended !== undefined) {
    parts.push(el('p', { id: 'ramp-status' }, `The last ramp ${ramp.ended.outcome === 'completed' ? 'completed' : ramp.ended.outcome} ${ago(ramp.ended.at, now)}: ${ramp.ended.reason}`))
  } else {
    const total = ramp.steps.length
    let next = ''
    if (ramp.paused) next = `paused by ${ramp.pausedBy ?? 'someone'}${ramp.pauseReason ? ` (${ramp.pauseReason})` : ''}`
    else if (ramp.nextAt !== undefined) next = `next step in ${duration((Date.parse(ramp.nextAt) - now) / 1000)}`
    parts.push(el('p', { id: 'ramp-status', className: 'ramp-status' }, `Step ${ramp.index + 1} of ${total}: ${percentText(step?.percent ?? state.percent)} let in`, next ? ` — ${next}` : ''))
    if (!ramp.paused && ramp.nextAt !== undefined && step !== undefined && step.holdSeconds > 0) {
      const held = Math.min(step.holdSeconds, Math.max(0, (now - Date.parse(ramp.stepStartedAt)) / 1000))
      parts.push(el('progress', { max: step.holdSeconds, value: Math.round(held), 'aria-label': `hold of step ${ramp.index + 1}` }))
    }
  }
  parts.push(stepList(ramp))
  const verdict = info?.health?.lastVerdict
  if (verdict !== undefined && verdict !== null) {
    parts.push(el('p', { className: verdict.tripped ? 'error' : 'muted' }, verdict.tripped ? `Health gate tripped: ${verdict.reasons.join('; ')}` : 'Health gate: the application looks healthy.'))
  }
  const local = info?.health?.local
  if (local !== undefined && local !== null && local.requests > 0) {
    parts.push(el('p', { className: 'muted' }, `This instance, since the step began: ${local.requests} requests, ${percentText(Math.round(local.serverErrorShare * 10000) / 100)} 5xx, p99 ${local.p99Ms === null ? '—' : Math.round(local.p99Ms) + ' ms'}.`))
  }
  box.replaceChildren(...parts)
}

export function renderSchedule (state) {
  const schedule = state.schedule
  const box = byId('schedule')
  if (schedule === undefined || schedule === null) {
    box.replaceChildren(empty('No window is scheduled.'))
    return
  }
  const then = { hold: 'stays closed until someone opens it', ramp: 'reopens gradually', open: 'opens' }[schedule.then] ?? schedule.then
  box.replaceChildren(el('dl', { className: 'facts' },
    el('dt', {}, 'Closes'), el('dd', {}, localTime(schedule.closeAt), schedule.phase === 'closed' ? ' (closed now)' : ''),
    el('dt', {}, 'Then, at'), el('dd', {}, schedule.openAt ? localTime(schedule.openAt) : 'no time set'),
    el('dt', {}, 'The site'), el('dd', {}, then),
    el('dt', {}, 'Reason'), el('dd', {}, schedule.reason || '(none given)')))
}

function instanceRow (instance, version, now, silent) {
  const applied = typeof instance.version === 'number' && instance.version < version
    ? el('span', { className: 'warn' }, `${instance.version} (behind)`)
    : String(instance.version ?? '?')
  return [
    el('span', {}, String(instance.id ?? '?'), instance.host ? el('span', { className: 'muted' }, ` ${instance.host}`) : null,
      silent ? el('span', { className: 'warn' }, ' silent: may still serve its version') : null),
    applied,
    String(instance.inFlight ?? '—'),
    String(instance.webSockets ?? '—'),
    instance.seenAt ? ago(instance.seenAt, now) : '—'
  ]
}

/** `instances` is {live, silent} from GET /v1/instances, or null when this gatekeeper has no such call. */
export function renderInstances (instances, version, now) {
  const box = byId('instances')
  if (instances === null) {
    box.replaceChildren(empty('This gatekeeper does not list its instances (no GET /v1/instances).'))
    return
  }
  const rows = [
    ...instances.live.map((instance) => instanceRow(instance, version, now, false)),
    ...instances.silent.map((instance) => instanceRow(instance, version, now, true))
  ]
  if (rows.length === 0) {
    box.replaceChildren(empty('No instance has reported yet.'))
    return
  }
  box.replaceChildren(table('Gatekeeper instances', ['Instance', 'Applied version', 'Requests in flight', 'WebSockets', 'Last seen'], rows))
}

const HEALTH_WORDS = { up: 'up', down: 'down', unknown: 'unknown' }

/**
 * `nodes` is the list from GET /v1/nodes, or null when this gatekeeper has no
 * such call. A redraw keeps the keyboard focus on the node button it was on.
 */
export function renderNodes (nodes, now, onSet) {
  const box = byId('nodes')
  if (nodes === null) {
    box.replaceChildren(empty('This gatekeeper does not list application nodes (no GET /v1/nodes).'))
    return
  }
  if (nodes.length === 0) {
    box.replaceChildren(empty('No application node is configured.'))
    return
  }
  const focused = box.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null
  box.replaceChildren(table('Application nodes', ['Node', 'URL', 'State', 'Health', 'In flight', 'Requests', 'Errors', 'Last check', ''], nodes.map((node) => [
    node.name,
    el('code', {}, node.url),
    el('span', { className: `node-state node-${node.state}` }, node.state, node.reason ? el('span', { className: 'muted' }, ` (${node.reason})`) : null),
    el('span', { className: `health health-${HEALTH_WORDS[node.health] ?? 'unknown'}` }, HEALTH_WORDS[node.health] ?? String(node.health)),
    String(node.inFlight),
    String(node.requests),
    String(node.errors),
    node.lastCheck ? el('time', { datetime: node.lastCheck, title: localTime(node.lastCheck) }, ago(node.lastCheck, now)) : el('span', { className: 'muted' }, 'none yet'),
    el('button', { type: 'button', className: 'small', 'aria-label': `Set the state of ${node.name}`, 'data-node': node.name, onClick: (event) => onSet(node, event.currentTarget) }, 'Set state…')
  ])))
  if (focused !== null) {
    for (const button of box.querySelectorAll('button[aria-label]')) if (button.getAttribute('aria-label') === focused) button.focus()
  }
}

export function renderAllowlist (allowlist, now, onRemove) {
  const box = byId('allowlist')
  const rows = [
    ...allowlist.static.map((entry) => [entry.cidr, entry.label ?? '', 'configuration', '']),
    ...allowlist.dynamic.map((entry) => [
      entry.cidr,
      entry.label ?? '',
      `${entry.addedBy}${entry.expiresAt ? (Date.parse(entry.expiresAt) <= now ? ', expired' : `, until ${localTime(entry.expiresAt)}`) : ''}`,
      el('button', { type: 'button', className: 'small', 'aria-label': `Remove ${entry.cidr}`, onClick: (event) => onRemove(entry.cidr, event.currentTarget) }, 'Remove…')
    ])
  ]
  box.replaceChildren(rows.length === 0 ? empty('No address is allowlisted.') : table('Allowlisted addresses', ['Network', 'Label', 'Added by', ''], rows))
}

/** Names only: the API never returns a secret, and the console never asks for one. */
export function renderTokens (tokens, now, onRevoke) {
  const box = byId('tokens')
  if (tokens.length === 0) {
    box.replaceChildren(empty('No bypass token.'))
    return
  }
  box.replaceChildren(table('Bypass tokens', ['Name', 'Expires', 'Created by', ''], tokens.map((token) => {
    const expired = Date.parse(token.expiresAt) <= now
    return [
      token.name,
      expired ? el('span', { className: 'muted' }, 'expired') : localTime(token.expiresAt),
      token.createdBy,
      el('button', { type: 'button', className: 'small', 'aria-label': `Revoke ${token.name}`, onClick: (event) => onRevoke(token.name, event.currentTarget) }, 'Revoke…')
    ]
  })))
}

/** A changed field as a person reads it: lists by name, a ramp by its step, a window by its end. */
function auditValue (key, value) {
  if (value === undefined || value === null) return '—'
  if (Array.isArray(value)) return `[${value.map((item) => item?.name ?? item?.cidr ?? shortValue(item)).join(', ')}]`
  if (key === 'ramp' && typeof value === 'object') {
    const steps = Array.isArray(value.steps) ? value.steps.map((step) => percentText(step.percent)).join(' → ') : '?'
    if (value.ended) return `${value.ended.outcome} (${steps})`
    return `step ${value.index + 1} of ${value.steps?.length ?? '?'}${value.paused ? ', paused' : ''} (${steps})`
  }
  if (key === 'window' && typeof value === 'object') return value.end ? `until ${localTime(value.end)}` : value.start ? 'no end announced' : '—'
  if (key === 'schedule' && typeof value === 'object') return `${value.phase ?? ''} ${value.closeAt ? localTime(value.closeAt) : ''}`.trim()
  return shortValue(value)
}

/** A list's change as the audit records it ({added, removed}): "+10.1.0.0/16, −alice"; null for anything else. */
function listChange (value) {
  if (value === null || typeof value !== 'object' || !Array.isArray(value.added) || !Array.isArray(value.removed)) return null
  const label = (item) => item?.cidr ?? item?.name ?? shortValue(item)
  return [...value.added.map((item) => `+${label(item)}`), ...value.removed.map((item) => `−${label(item)}`)].join(', ')
}

function changeSummary (entry) {
  const after = entry.after ?? {}
  const before = entry.before ?? {}
  const keys = Object.keys(after).filter((key) => key !== 'version' && key !== 'updatedAt' && key !== 'updatedBy' && key !== 'seed')
  if (keys.length === 0) return '—'
  return keys.map((key) => listChange(after[key]) === null
    ? `${key}: ${auditValue(key, before[key])} → ${auditValue(key, after[key])}`
    : `${key}: ${listChange(after[key])}`).join('; ')
}

function sameDay (iso) {
  return new Date(iso).toDateString() === new Date().toDateString()
}

export function renderAudit (entries) {
  const box = byId('audit')
  if (entries.length === 0) {
    box.replaceChildren(empty('Nothing has changed yet.'))
    return
  }
  box.replaceChildren(table('Audit log, newest first', ['When', 'Who', 'From', 'Action', 'Change'], entries.map((entry) => [
    el('time', { datetime: entry.at, title: localTime(entry.at) }, sameDay(entry.at) ? clockTime(Date.parse(entry.at)) : localTime(entry.at)),
    entry.actor,
    entry.ip,
    entry.action,
    el('span', { className: 'change' }, changeSummary(entry))
  ])))
}
