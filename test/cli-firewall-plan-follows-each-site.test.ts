import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { cliFor } from './helpers/cli.js'
import { adminClient, OPERATOR_TOKEN, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'

t.test('firewall plan renders each site\'s ports by that site\'s mode, read from the running gatekeeper', async (t) => {
  const dir = tempDir(t)
  const raw = rawConfig(dir, '', {
    // not applied by the gatekeeper: plan alone is under test
    firewall: { enabled: false, apply: 'direct', ports: [{ port: 5432, site: 'app1', whenClosed: 'drop' }, { port: 6379, site: 'app2' }] }
  })
  delete raw.upstream
  raw.sites = [
    { name: 'app1', hosts: ['one.test'], upstream: 'http://127.0.0.1:9' },
    { name: 'app2', hosts: ['two.test'], upstream: 'http://127.0.0.1:9' }
  ]
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  const configFile = join(dir, 'gatekeeper.json')
  writeFileSync(configFile, JSON.stringify(raw))
  const { run } = cliFor(t, null, { GATEKEEPER_URL: gk.adminUrl, GATEKEEPER_TOKEN: OPERATOR_TOKEN, ...TEST_ENV as Record<string, string> })

  t.equal((await admin('POST', '/v1/sites/app1/close', { reason: 'upgrading app1' })).status, 200)
  t.equal((await admin('POST', '/v1/allowlist', { cidr: '10.1.0.0/16', label: 'app2 testers', sites: ['app2'] })).status, 201)
  t.equal((await admin('POST', '/v1/allowlist', { cidr: '10.2.0.0/16', label: 'everyone' })).status, 201)
  const plan = await run(['firewall', 'plan', '--config', configFile])
  t.equal(plan.code, 0, plan.stderr)
  t.match(plan.stdout, /mode closed \(ports as whenClosed\), site app1 closed, site app2 open/, 'the header names each site\'s mode')
  t.match(plan.stdout, /--dport 5432 -j DROP/, 'app1 is closed: its port is dropped')
  t.notMatch(plan.stdout, /--dport 6379/, 'app2 is open: its port is left alone')

  t.equal((await admin('POST', '/v1/sites/app2/close', { reason: 'app2 too' })).status, 200)
  const second = await run(['firewall', 'plan', '--config', configFile])
  t.match(second.stdout, /--dport 6379 -j GATEKEEPER-ALLOW/, 'app2 closed: its port admits the allowlist only')
  t.match(second.stdout, /-s 10\.2\.0\.0\/16 -j RETURN/, 'an entry for every site is in the firewall\'s allowlist')
  t.notMatch(second.stdout, /10\.1\.0\.0/, 'an entry limited to a site opens no port')
})
