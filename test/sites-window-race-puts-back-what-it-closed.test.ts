import t from 'tap'
import pino from 'pino'
import { changeAllSites } from '../src/admin/routes-windows.js'
import { parseConfig } from '../src/config/config.js'
import type { FastifyRequest } from 'fastify'
import { openSiteStates, type SiteState } from '../src/sites/site-states.js'
import type { StateFeed } from '../src/feed/state-feed.js'
import { systemClock } from '../src/reopen/clock.js'
import type { TimelineCounts } from '../src/timeline/timeline-counts.js'
import { createGateRuntime } from '../src/runtime/gate-runtime.js'
import { initialState } from '../src/state/initial.js'
import { withMode } from '../src/state/mode-changes.js'
import { rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'

t.test('a change that lands on a later site between the check and the write makes the window put back the sites it closed, and answer 412', async (t) => {
  const raw = rawConfig(tempDir(t), '')
  delete raw.upstream
  raw.sites = ['app1', 'app2'].map((name) => ({ name, hosts: [`${name}.test`], upstream: 'http://127.0.0.1:9' }))
  const logger = pino({ level: 'silent' })
  // no site is named default: the process's own state only holds the testers (the sites' gates read it)
  const config = parseConfig(raw, TEST_ENV)
  const sites = await openSiteStates(config, logger, { runtime: createGateRuntime(config, initialState('open', '')), feed: null as unknown as StateFeed, timeline: null as unknown as TimelineCounts, clock: systemClock, instanceId: () => 'test' })
  t.teardown(() => sites.close())
  const [app1, app2] = sites.all as [SiteState, SiteState]
  const now = Date.now()
  let raced: Promise<unknown> | null = null
  const close = (current: Parameters<typeof withMode>[0]): ReturnType<typeof withMode> => {
    // while app1 is being closed, someone else changes app2: the window's check of app2 is now stale
    raced ??= app2.feed.update({ actor: 'someone', ip: '', action: 'stage', site: 'app2' }, (state) => withMode(state, { mode: 'staged', percent: 5 }, now))
    return withMode(current, { mode: 'closed', reason: 'window' }, now)
  }
  const ctxOf = (site: string): { actor: string, ip: string, action: string, site: string, window: string } => ({ actor: 'ops', ip: '127.0.0.1', action: 'window.close', site, window: 'w.test.app1.app2' })
  await t.rejects(changeAllSites([app1, app2], [0, 0], ctxOf, close, logger as unknown as FastifyRequest['log']), { code: 'GK_ERR_VERSION_MISMATCH' })
  await raced
  t.match(app1.runtime.current().state, { mode: 'open', version: 2 }, 'app1 was put back')
  t.match(app2.runtime.current().state, { mode: 'staged', version: 1 }, 'app2 has the other change alone')
  const audit = await app1.feed.readAudit(5)
  t.match(audit.slice(0, 2), [{ action: 'window.undo', site: 'app1', window: 'w.test.app1.app2' }, { action: 'window.close', site: 'app1' }])
})
