import t from 'tap'
// the console's own browser modules: plain functions, no DOM
import { changeEffect, currentEffect } from '../src/console/assets/effects.js'
import { parseSteps, stepsForApi } from '../src/console/assets/format.js'

const closed = { mode: 'closed', percent: 0 }
const staged = { mode: 'staged', percent: 25 }

t.test('each change is stated in words before it is sent', async (t) => {
  t.equal(changeEffect('stage', { percent: 25 }, closed), 'About 25 % of visitors will be let in; the other 75 % will keep seeing the maintenance page.')
  t.match(changeEffect('stage', { percent: 12.5 }, staged), 'This is lower than the 25 % now let in: some visitors already inside will be turned away.')
  t.match(changeEffect('stage', { percent: 0 }, closed), 'No visitor will be let in')
  t.match(changeEffect('close', {}, { mode: 'open', percent: 100 }), 'Everyone except allowlisted addresses and token holders will see the maintenance page. Visitors on the site now are turned away at their next request.')
  t.match(changeEffect('open', {}, { ...staged, ramp: { steps: [], index: 0 } }), 'The running ramp ends.')
  t.equal(changeEffect('ramp', { steps: parseSteps('5 5m, 25 10m, 100') }, closed),
    'About 5 % of visitors will be let in at first, then 25 % after 5 min more, then everyone after 10 min more (the site opens). The gatekeeper watches the application and stops the ramp if it starts failing.')
  t.match(changeEffect('ramp', { steps: null }, closed), 'The configured ramp starts')
  t.match(currentEffect(staged), 'about 25 % of visitors are let in')
})

t.test('a node\'s state is stated in words before it is sent', async (t) => {
  t.equal(changeEffect('node', { name: 'walton', current: 'in', state: 'out', reason: '' }, closed),
    'The node "walton" takes no request at all: its existing sessions move to another usable node from their next request on.')
  t.equal(changeEffect('node', { name: 'walton', current: 'in', state: 'drain', reason: '' }, closed),
    'The node "walton" takes no new session; its existing sessions stay on it until they end.')
  t.match(changeEffect('node', { name: 'stubing', current: 'in', state: 'testers', reason: '' }, closed), 'serves testers only (allowlisted addresses and token holders), never the public, even when the site is open')
  t.match(changeEffect('node', { name: 'walton', current: 'out', state: 'in', reason: '' }, closed), 'The node "walton" takes new sessions from the public and from testers')
  t.match(changeEffect('node', { name: 'walton', current: 'out', state: 'out', reason: 'still upgrading' }, closed), 'already out: only the reason changes')
})

t.test('ramp steps as an operator types them', async (t) => {
  t.same(stepsForApi(parseSteps('5% for 5m; 25 10min, 100%')), [{ percent: 5, hold: 300 }, { percent: 25, hold: 600 }, { percent: 100 }])
  t.same(parseSteps('0.5 90s\n100'), [{ percent: 0.5, holdSeconds: 90 }, { percent: 100, holdSeconds: 0 }])
  t.throws(() => parseSteps(''), /at least one step/)
  t.throws(() => parseSteps('25'), /step 1 \(25 %\) needs a hold/)
  t.throws(() => parseSteps('5 5 minutes'), /"5 minutes" is not a hold/)
  t.throws(() => parseSteps('150 5m'), /above 0 and at most 100/)
  t.throws(() => parseSteps('half 5m'), /step 1 \("half 5m"\)/)
})
