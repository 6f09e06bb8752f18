// The console's wiring: sign-in, the live view (polled every two seconds
// while the tab is visible), and the changes, each confirmed in words and
// sent with the version the operator was looking at.

import { createApi } from './api.js'
import { confirmChange } from './dialog.js'
import { clockTime, localTime, parseSteps, percentText, stepsForApi } from './format.js'
import { renderTimeline } from './timeline.js'
import { choose, chosenSite, realSites, renderSites, settleChoice, sitePath, testersVersion, onTopState, unlessSiteRequired } from './sites.js'
import { renderAllowlist, renderAudit, renderInstances, renderNodes, renderRamp, renderSchedule, renderSite, renderTokens, updateButtons } from './render.js'

const TOKEN_KEY = 'gatekeeper-console-token'
const POLL_MS = 2000
const AUDIT_ROWS = 25
// the timeline is read on every change, and otherwise every few polls: it reads the audit and the counts
const TIMELINE_EVERY = 3
const TIMELINE_PATH = `/v1/timeline?tz=${encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone)}`

const byId = (id) => document.getElementById(id)
const loginSection = byId('login')
const loginForm = byId('login-form')
const loginInput = byId('login-token')
const loginError = byId('login-error')
const appBox = byId('app')
const signOutButton = byId('sign-out')
const connection = byId('connection')
const notice = byId('notice')

let api = null
let view = null
let timer = 0
let refreshing = false
let refreshAgain = false
// calls another part of Gatekeeper may not have: once one answers 404, the card says so
const available = { ramp: true, instances: true, nodes: true, timeline: true, sites: true }
let polls = 0

function storedToken () {
  try { return sessionStorage.getItem(TOKEN_KEY) } catch (err) { return null }
}

function storeToken (token) {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY)
    else sessionStorage.setItem(TOKEN_KEY, token)
  } catch (err) {}
}

function tell (text, isError = false) {
  notice.textContent = text
  notice.classList.toggle('error', isError)
}

function showSignedIn (signedIn) {
  loginSection.hidden = signedIn
  appBox.hidden = !signedIn
  signOutButton.hidden = !signedIn
  connection.hidden = !signedIn
}

async function signIn (token) {
  const candidate = createApi(token)
  const state = await candidate('GET', '/v1/state').catch(unlessSiteRequired)
  api = candidate
  storeToken(token)
  loginInput.value = ''
  loginError.textContent = ''
  showSignedIn(true)
  await refresh(state)
  byId('site-title').setAttribute('tabindex', '-1')
  byId('site-title').focus()
}

function signOut (message = '') {
  api = null
  view = null
  drawn.clear()
  clearTimeout(timer)
  storeToken(null)
  tell('')
  showSignedIn(false)
  loginError.textContent = message
  loginInput.focus()
}

async function optionalCall (name, path) {
  if (!available[name]) return null
  try {
    return await api('GET', path)
  } catch (err) {
    if (err.status !== 404) throw err
    available[name] = false
    return null
  }
}

/** GET /v1/instances answers {instances, silent}, or (an older API) a bare list. */
function instanceList (body) {
  if (body === null) return null
  if (Array.isArray(body)) return { live: body, silent: [] }
  return {
    live: Array.isArray(body?.instances) ? body.instances : [],
    silent: Array.isArray(body?.silent) ? body.silent : []
  }
}

async function refresh (prefetched) {
  if (api === null) return
  if (refreshing) {
    refreshAgain = true
    return
  }
  refreshing = true
  clearTimeout(timer)
  try {
    const sites = realSites(await optionalCall('sites', '/v1/sites'))
    const site = chosenSite()
    settleChoice(sites)
    const state = (site === chosenSite() ? prefetched : undefined) ?? await api('GET', sitePath('/v1/state'))
    const changed = view === null || view.site !== chosenSite() || state.version !== view.state.version
    polls++
    const readTimeline = changed || polls % TIMELINE_EVERY === 0 || view.timeline === undefined
    const [ramp, instances, nodes, allowlist, audit, timeline, tokens] = await Promise.all([
      state.ramp ? optionalCall('ramp', sitePath('/v1/ramp')) : null,
      optionalCall('instances', '/v1/instances'),
      optionalCall('nodes', sitePath('/v1/nodes')),
      changed || !onTopState() ? api('GET', '/v1/allowlist') : view.allowlist,
      changed ? api('GET', `/v1/audit?limit=${AUDIT_ROWS}`) : view.audit,
      readTimeline ? optionalCall('timeline', sitePath(TIMELINE_PATH)) : view.timeline,
      onTopState() ? state.tokens : api('GET', '/v1/tokens')
    ])
    if (api === null) return
    view = { site: chosenSite(), sites, state, ramp, instances: instanceList(instances), nodes: nodes === null ? null : (Array.isArray(nodes.nodes) ? nodes.nodes : []), allowlist, audit, timeline, tokens }
    render()
    connection.textContent = `Live · updated ${clockTime(Date.now())}`
    connection.classList.remove('error')
  } catch (err) {
    if (err.status === 401) {
      signOut('The gatekeeper no longer accepts this token. Sign in again.')
      return
    }
    connection.textContent = `Not updating: ${err.message}. Retrying…`
    connection.classList.add('error')
  } finally {
    refreshing = false
    if (api !== null) {
      if (refreshAgain) {
        refreshAgain = false
        timer = setTimeout(refresh, 0)
      } else {
        timer = setTimeout(tick, POLL_MS)
      }
    }
  }
}

function tick () {
  // a hidden tab asks nothing; it catches up when shown again
  if (!document.hidden) refresh()
}

// cards with buttons in them are redrawn only when what they show changes:
// a redraw every two seconds would take the keyboard focus away from a button
const drawn = new Map()
function redrawIfChanged (card, key, draw) {
  if (drawn.get(card) === key) return
  drawn.set(card, key)
  draw()
}

function render () {
  const now = Date.now()
  const { state } = view
  const expired = (entry) => entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= now
  renderSites(view.sites, chooseSite)
  renderSite(state, now)
  updateButtons(state)
  renderRamp(state, view.ramp, now)
  renderSchedule(state)
  renderInstances(view.instances, state.version, now)
  renderNodes(view.nodes, now, askNodeState)
  redrawIfChanged('allowlist', JSON.stringify([view.allowlist, view.allowlist.dynamic.map(expired)]), () => renderAllowlist(view.allowlist, now, askUnallow))
  redrawIfChanged('tokens', JSON.stringify([view.tokens, view.tokens.map(expired)]), () => renderTokens(view.tokens, now, askRevoke))
  redrawIfChanged('audit', JSON.stringify(view.audit), () => renderAudit(view.audit))
  redrawIfChanged('timeline', JSON.stringify(view.timeline), () => renderTimeline(document.getElementById('timeline'), view.timeline))
}

function chooseSite (name) {
  choose(name)
  tell('')
  refresh()
}

/** The message of a refused change; a 412 says plainly that nothing was applied. */
async function explain (err, shownVersion) {
  if (err.status !== 412) return err
  let now = ''
  try {
    const state = await api('GET', sitePath('/v1/state'))
    now = ` It is now at version ${state.version}: ${state.mode}${state.mode === 'staged' ? ` at ${percentText(state.percent)}` : ''}, changed by ${state.updatedBy}.`
    await refresh(state)
  } catch (refreshErr) {}
  const stale = new Error(`Not applied: someone changed the state after this console showed it (version ${shownVersion}).${now} Cancel, review the current state, and try again if it still makes sense.`)
  stale.stale = true
  return stale
}

/** Sends one change with If-Match, then shows the state it produced. */
async function send (method, path, body, shownVersion, done) {
  let answer
  try {
    answer = await api(method, path, { body, version: shownVersion })
  } catch (err) {
    throw await explain(err, shownVersion)
  }
  tell(done(answer))
  await refresh()
  return answer
}

function reasonFields (state) {
  return [
    { name: 'reason', label: 'Reason shown to the public', value: state.mode === 'open' ? '' : state.reason, attributes: { maxlength: '500' } },
    { name: 'until', label: 'Expected end (optional)', type: 'datetime-local', hint: `In your time zone, ${Intl.DateTimeFormat().resolvedOptions().timeZone}. Shown to the public as a countdown.` }
  ]
}

function readReason (values) {
  const input = { reason: values.reason.trim() }
  if (values.until !== '') {
    const at = new Date(values.until)
    if (Number.isNaN(at.getTime())) throw new Error('The expected end is not a date and time.')
    if (at.getTime() <= Date.now()) throw new Error('The expected end is in the past.')
    input.until = at.toISOString()
  }
  return input
}

function readPercent (values) {
  const text = values.percent.trim()
  if (text === '') return { percent: NaN }
  const percent = Number(text)
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new Error('The share must be a number from 0 to 100.')
  if (Math.abs(Math.round(percent * 100) - percent * 100) > 1e-6) throw new Error('The share may have two decimals at most.')
  return { percent }
}

function modeDone (answer) {
  return `Done: the site is ${answer.mode}${answer.mode === 'staged' ? ` at ${percentText(answer.percent)}` : ''} (version ${answer.version}).`
}

const ACTIONS = {
  close: { path: '/v1/close', fields: reasonFields, read: readReason, body: (input) => input },
  'read-only': { path: '/v1/read-only', fields: reasonFields, read: readReason, body: (input) => input },
  stage: {
    path: '/v1/stage',
    fields: (state) => [{ name: 'percent', label: 'Share of visitors to let in (%)', type: 'number', value: state.mode === 'staged' ? String(state.percent) : '', attributes: { min: '0', max: '100', step: '0.01', inputmode: 'decimal', required: '' } }],
    read: readPercent,
    validate: (input) => {
      if (Number.isNaN(input.percent)) throw new Error('Type a share from 0 to 100.')
    },
    body: (input) => input
  },
  ramp: {
    path: '/v1/ramp',
    fields: () => [{ name: 'steps', label: 'Steps (percentage and hold)', hint: 'Such as "5 5m, 25 10m, 100". Leave empty for the configured steps.', attributes: { spellcheck: 'false' } }],
    read: (values) => ({ steps: values.steps.trim() === '' ? null : parseSteps(values.steps) }),
    body: (input) => input.steps === null ? undefined : { steps: stepsForApi(input.steps) }
  },
  open: { path: '/v1/open' },
  abort: {
    path: '/v1/ramp/abort',
    fields: () => [{ name: 'reason', label: 'Why (kept in the audit log)', attributes: { maxlength: '500' } }],
    read: (values) => ({ reason: values.reason.trim() }),
    body: (input) => input.reason === '' ? undefined : input
  },
  pause: { path: '/v1/ramp/pause' },
  resume: { path: '/v1/ramp/resume' },
  promote: { path: '/v1/ramp/promote' }
}

function askChange (action, opener) {
  if (view === null) return
  const spec = ACTIONS[action]
  const state = view.state
  const shownVersion = state.version
  confirmChange({
    action,
    state,
    opener,
    fields: spec.fields === undefined ? [] : spec.fields(state),
    read: spec.read,
    validate: spec.validate,
    run: (input) => send('POST', sitePath(spec.path), spec.body === undefined ? undefined : spec.body(input), shownVersion, modeDone)
  })
}

function askRevoke (name, opener) {
  const shownVersion = testersVersion(view.state)
  confirmChange({
    action: 'revoke',
    state: view.state,
    opener,
    read: () => ({ name }),
    run: () => send('DELETE', `/v1/tokens/${encodeURIComponent(name)}`, undefined, shownVersion, () => `Revoked the token "${name}".`)
  })
}

function askUnallow (cidr, opener) {
  const shownVersion = testersVersion(view.state)
  confirmChange({
    action: 'unallow',
    state: view.state,
    opener,
    read: () => ({ cidr }),
    run: () => send('DELETE', `/v1/allowlist/${encodeURIComponent(cidr)}`, undefined, shownVersion, () => `Removed ${cidr} from the allowlist.`)
  })
}

const NODE_STATE_OPTIONS = [
  { value: 'in', label: 'in: takes the public and testers' },
  { value: 'drain', label: 'drain: keeps its sessions, takes no new one' },
  { value: 'out', label: 'out: takes nothing' },
  { value: 'testers', label: 'testers: testers only, never the public' }
]

function askNodeState (node, opener) {
  const shownVersion = view.state.version
  const name = node.name
  confirmChange({
    action: 'node',
    state: view.state,
    opener,
    fields: [
      { name: 'node-state', label: `State of ${name}`, options: NODE_STATE_OPTIONS },
      { name: 'node-reason', label: 'Reason (kept in the audit log and shown in the list)', value: node.reason ?? '', attributes: { maxlength: '500' } }
    ],
    read: (values) => ({ name, current: node.state, state: values['node-state'], reason: values['node-reason'].trim() }),
    run: (input) => send('POST', sitePath(`/v1/nodes/${encodeURIComponent(name)}`), { state: input.state, reason: input.reason }, shownVersion,
      (answer) => `Done: the node "${name}" is ${answer.node?.state ?? input.state} (version ${answer.version}).`)
  })
  // the choice starts at the node's state: the dialog states what changing it does
  const select = document.getElementById('confirm-node-state')
  select.value = node.state
  select.dispatchEvent(new Event('change', { bubbles: true }))
}

for (const button of document.querySelectorAll('.actions button[data-action]')) {
  button.addEventListener('click', () => askChange(button.dataset.action, button))
}

loginForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  const token = loginInput.value.trim()
  if (token === '') {
    loginError.textContent = 'Type the admin token.'
    loginInput.focus()
    return
  }
  loginError.textContent = ''
  try {
    await signIn(token)
  } catch (err) {
    loginError.textContent = err.status === 401
      ? 'This token was not accepted. Check it and try again.'
      : `Cannot sign in: ${err.message}.`
    loginInput.focus()
    loginInput.select()
  }
})

signOutButton.addEventListener('click', () => signOut('Signed out.'))

byId('token-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  if (view === null) return
  const name = byId('token-name').value.trim()
  const ttlText = byId('token-ttl').value.trim()
  const ttl = /^\d+$/.test(ttlText) ? Number(ttlText) : ttlText
  try {
    const created = await send('POST', '/v1/tokens', { name, ttl }, testersVersion(view.state), (answer) => `Created the token "${answer.name}", valid until ${localTime(answer.expiresAt)}.`)
    byId('new-token-name').textContent = created.name
    byId('new-token-secret').textContent = created.token
    byId('new-token-link').textContent = created.link
    byId('new-token').hidden = false
    byId('new-token').focus()
    byId('token-name').value = ''
  } catch (err) {
    tell(`The token was not created: ${err.message}`, true)
  }
})

// the secret lives in the page only until the operator has copied it
byId('new-token-done').addEventListener('click', () => {
  byId('new-token-secret').textContent = ''
  byId('new-token-link').textContent = ''
  byId('new-token').hidden = true
  byId('token-name').focus()
})

byId('allow-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  if (view === null) return
  const cidr = byId('allow-cidr').value.trim()
  const label = byId('allow-label').value.trim()
  try {
    await send('POST', '/v1/allowlist', label === '' ? { cidr } : { cidr, label }, testersVersion(view.state), () => `Added ${cidr} to the allowlist.`)
    byId('allow-cidr').value = ''
    byId('allow-label').value = ''
  } catch (err) {
    tell(`Not added: ${err.message}`, true)
  }
})

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && api !== null) refresh()
})

const saved = storedToken()
if (saved === null) {
  showSignedIn(false)
  loginInput.focus()
} else {
  signIn(saved).catch(() => signOut('Your session has ended. Sign in again.'))
}
