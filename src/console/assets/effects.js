// What a change will do, in words, for the confirmation dialog, and what the
// site does now, for the site card. Pure functions of the state the console
// shows and what the operator typed: no DOM, so the words can be tested alone.

import { holdText, localTime, percentText } from './format.js'

const EXEMPT = 'allowlisted addresses and token holders'

function runningRamp (state) {
  return state.ramp !== undefined && state.ramp !== null && state.ramp.ended === undefined ? state.ramp : null
}

/** What the public gets now, in one or two sentences. */
export function currentEffect (state) {
  switch (state.mode) {
    case 'open': return 'The site is open: everyone is let in.'
    case 'closed': return `The site is closed: everyone except ${EXEMPT} sees the maintenance page.`
    case 'read-only': return `The site is read-only: everyone can read it, but only ${EXEMPT} can send changes (form posts and other non-GET requests).`
    case 'staged': return `The site is staged: about ${percentText(state.percent)} of visitors are let in; the others see the maintenance page. ${capitalised(EXEMPT)} always get in.`
    default: return `The site is in an unknown mode (${state.mode}).`
  }
}

function capitalised (text) {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function announced (until) {
  return until ? ` The page will announce the site back by ${localTime(until)}.` : ''
}

function stagedShare (percent) {
  if (percent === 0) return `No visitor will be let in: only ${EXEMPT} get through, as when the site is closed.`
  if (percent === 100) return 'Every visitor will be let in, though the site stays staged (not open).'
  return `About ${percentText(percent)} of visitors will be let in; the other ${percentText(Math.round((100 - percent) * 100) / 100)} will keep seeing the maintenance page.`
}

function rampPlanText (steps) {
  const [first, ...rest] = steps
  let text = `About ${percentText(first.percent)} of visitors will be let in at first`
  let hold = first.holdSeconds
  for (const step of rest) {
    text += step.percent === 100
      ? `, then everyone after ${holdText(hold)} more (the site opens)`
      : `, then ${percentText(step.percent)} after ${holdText(hold)} more`
    hold = step.holdSeconds
  }
  if (first.percent === 100) text = 'Everyone will be let in at once (the site opens)'
  return `${text}. The gatekeeper watches the application and stops the ramp if it starts failing.`
}

/**
 * The effect of a change, as the confirmation states it. `input` holds what
 * the dialog's fields say: reason, until (ISO), percent, steps (parsed).
 */
export function changeEffect (action, input, state) {
  const ramp = runningRamp(state)
  const endsRamp = ramp ? ' The running ramp ends.' : ''
  switch (action) {
    case 'close':
      return `Everyone except ${EXEMPT} will see the maintenance page.${state.mode === 'open' ? ' Visitors on the site now are turned away at their next request.' : ''}${announced(input.until)}${endsRamp}`
    case 'read-only':
      return `Everyone can read the site, but only ${EXEMPT} can send changes: other visitors' form posts and other non-GET requests get the maintenance page.${announced(input.until)}${endsRamp}`
    case 'stage': {
      if (typeof input.percent !== 'number' || Number.isNaN(input.percent)) return 'Type a percentage from 0 to 100.'
      const lower = state.mode === 'staged' && input.percent < state.percent
        ? ` This is lower than the ${percentText(state.percent)} now let in: some visitors already inside will be turned away.`
        : ''
      return `${stagedShare(input.percent)}${lower}${endsRamp}`
    }
    case 'ramp':
      if (input.steps === null) return 'The configured ramp starts: visitors will be let in step by step, a share at a time, until the site is open. The gatekeeper watches the application and stops the ramp if it starts failing.'
      return rampPlanText(input.steps)
    case 'open':
      return `Everyone will be let in: the maintenance page is taken down for all visitors at once.${endsRamp}`
    case 'abort':
      return `The ramp stops and the site closes: everyone except ${EXEMPT} will see the maintenance page again, including visitors the ramp had let in.`
    case 'pause':
      return `The ramp holds at ${percentText(state.percent)} until someone resumes it. No one already let in is turned away.`
    case 'resume':
      return `The ramp carries on from where it was paused, at ${percentText(state.percent)}, and takes its next step when the hold ends.`
    case 'promote': {
      const next = ramp ? ramp.steps[ramp.index + 1] : undefined
      if (next === undefined) return `This is the ramp's last step: the ramp ends and the site stays staged at ${percentText(state.percent)}.`
      return next.percent === 100 ? 'Everyone will be let in now: the site opens and the ramp ends.' : `About ${percentText(next.percent)} of visitors will be let in now, without waiting for the hold to end.`
    }
    case 'revoke':
      return `Anyone using the token "${input.name}" is treated like the public from their next request on.`
    case 'unallow':
      return `Requests from ${input.cidr} are treated like the public's from their next request on.`
    case 'node':
      return nodeEffect(input)
    default:
      return ''
  }
}

/** What setting a node's state does, in the words of the nodes guide's table. */
function nodeEffect ({ name, state, current }) {
  const same = state === current ? ` The node "${name}" is already ${state}: only the reason changes.` : ''
  switch (state) {
    case 'in':
      return `The node "${name}" takes new sessions from the public and from testers, and serves its existing sessions.${same}`
    case 'drain':
      return `The node "${name}" takes no new session; its existing sessions stay on it until they end.${same}`
    case 'out':
      return `The node "${name}" takes no request at all: its existing sessions move to another usable node from their next request on.${same}`
    case 'testers':
      return `The node "${name}" serves testers only (allowlisted addresses and token holders), never the public, even when the site is open. Public sessions on it move to another usable node.${same}`
    default:
      return 'Choose in, drain, out or testers.'
  }
}

/** The confirm button's words: the action itself, never a bare "OK". */
export const CONFIRM_LABELS = {
  close: 'Close the site',
  'read-only': 'Make it read-only',
  stage: 'Stage the site',
  ramp: 'Start the ramp',
  open: 'Open the site',
  abort: 'Abort the ramp',
  pause: 'Pause the ramp',
  resume: 'Resume the ramp',
  promote: 'Take the next step',
  revoke: 'Revoke the token',
  unallow: 'Remove the entry',
  node: 'Set the node\'s state'
}

export const DIALOG_TITLES = {
  close: 'Close the site',
  'read-only': 'Make the site read-only',
  stage: 'Let a share of visitors in',
  ramp: 'Reopen gradually',
  open: 'Open the site to everyone',
  abort: 'Abort the ramp',
  pause: 'Pause the ramp',
  resume: 'Resume the ramp',
  promote: 'Take the next step now',
  revoke: 'Revoke a bypass token',
  unallow: 'Remove an allowlist entry',
  node: 'Set a node\'s state'
}
