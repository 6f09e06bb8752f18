// With sites: in the configuration, the switcher and one summary row per
// site (GET /v1/sites). The chosen site's state card and its mode changes
// use /v1/sites/{site}/…; without sites:, the card stays hidden and every
// call is the old one.

import { localTime, percentText } from './format.js'
import { el } from './render.js'

/** The calls each site has its own routes for (and their sub-paths); the others are global. */
const SITE_CALLS = ['/v1/state', '/v1/close', '/v1/open', '/v1/stage', '/v1/read-only', '/v1/nodes', '/v1/ramp', '/v1/schedule', '/v1/admission', '/v1/timeline']

let chosen = null

/** The site the state card shows, or null (no sites:, the old routes). */
export function chosenSite () {
  return chosen
}

/** `/v1/close` → `/v1/sites/app1/close` (and `/v1/ramp/abort` → `/v1/sites/app1/ramp/abort`) while app1 is chosen; any other path as it is. */
export function sitePath (path) {
  const bare = path.split('?', 1)[0]
  if (chosen === null || !SITE_CALLS.some((call) => bare === call || bare.startsWith(`${call}/`))) return path
  return `/v1/sites/${encodeURIComponent(chosen)}${path.slice('/v1'.length)}`
}

/** Whether the state shown is the top-level one, which holds the testers (tokens, dynamic allowlist) of every site. */
export function onTopState () {
  return chosen === null || chosen === 'default'
}

/** If-Match for a change of the testers: the shown version when it is the top-level state's, else none (any version). */
export function testersVersion (state) {
  return onTopState() ? state.version : undefined
}

/** Signing in reads `/v1/state`, which has no site to act on when there are sites and no `default`: the sites are read next. */
export function unlessSiteRequired (err) {
  if (err.code !== 'GK_ERR_SITE_REQUIRED') throw err
}

/** Sites worth a switcher: more than one, or one not named `default`; null otherwise. */
export function realSites (list) {
  if (!Array.isArray(list) || list.length === 0) return null
  if (list.length === 1 && list[0].name === 'default') return null
  return list
}

/** The first choice, or a new one when the chosen site is gone: `default` when there is one. */
export function settleChoice (list) {
  if (list === null) {
    chosen = null
    return
  }
  if (chosen !== null && list.some((site) => site.name === chosen)) return
  chosen = (list.find((site) => site.name === 'default') ?? list[0]).name
}

export function choose (name) {
  chosen = name
}

/** A site's flags as its row shows them: `⚠ default was closed by its health gate (via app1)`, the reasons on hover. */
function flagsCell (site) {
  const flags = Array.isArray(site.flags) ? site.flags.filter((flag) => flag.kind === 'dependency-aborted') : []
  if (flags.length === 0) return ''
  return el('span', {}, ...flags.flatMap((flag, i) => [i > 0 ? ' ' : undefined, el('span', {
    className: 'flag dependency-aborted',
    title: `${localTime(flag.at)}: ${flag.reasons.join('; ')}. Its mode is unchanged: closing it is your decision; your next change of its mode clears this.`
  }, `⚠ ${flag.site} was closed by its health gate${Array.isArray(flag.via) && flag.via.length > 0 ? ` (via ${flag.via.join(', ')})` : ''}`)]))
}

function modeText (site) {
  return site.mode === 'staged' ? `staged ${percentText(site.percent)}` : site.mode
}

/** The summary card: the switcher, then name, mode, share, reason, expected end, dependencies, the closed ones and the site's flags. */
export function renderSites (list, onChoose) {
  const card = document.getElementById('sites-card')
  card.hidden = list === null
  document.getElementById('site-title').textContent = chosen === null ? 'Site' : `Site: ${chosen}`
  if (list === null) return
  const select = document.getElementById('site-switch')
  const names = list.map((site) => site.name)
  if (JSON.stringify([...select.options].map((option) => option.value)) !== JSON.stringify(names)) {
    select.replaceChildren(...names.map((name) => el('option', { value: name }, name)))
    select.onchange = () => onChoose(select.value)
  }
  if (document.activeElement !== select) select.value = chosen
  const modes = new Map(list.map((site) => [site.name, site.mode]))
  const headings = ['Site', 'Mode', 'Share', 'Reason', 'Expected end', 'Depends on', 'Blocked by', 'Flags']
  const rows = list.map((site) => {
    const closed = site.dependsOn.filter((dep) => modes.get(dep) === 'closed')
    return [
      site.name,
      modeText(site),
      site.mode === 'staged' ? percentText(site.percent) : '',
      site.mode === 'open' ? '' : site.reason,
      site.eta === null ? '' : localTime(site.eta),
      site.dependsOn.join(', '),
      closed.length === 0 ? '' : el('span', { className: 'flag' }, `⚠ ${closed.join(', ')} ${closed.length === 1 ? 'is' : 'are'} closed`),
      flagsCell(site)
    ]
  })
  document.getElementById('sites').replaceChildren(el('div', { className: 'table-wrap' },
    el('table', {},
      el('caption', { className: 'visually-hidden' }, 'Every site with its state'),
      el('thead', {}, el('tr', {}, ...headings.map((heading) => el('th', { scope: 'col' }, heading)))),
      el('tbody', {}, ...rows.map((cells) => el('tr', { className: chosen === cells[0] ? 'chosen' : undefined }, ...cells.map((cell, i) => el('td', { 'data-label': headings[i] }, cell))))))))
}
