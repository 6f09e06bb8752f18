import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper, type Gatekeeper } from '../src/server.js'
import { adminClient, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { createNetns, type ConnectOutcome, type Netns } from './helpers/netns.js'
import { namedUpstream } from './helpers/sites.js'

const APP1_PORT = 5432
const APP2_PORT = 6379
const PEER = '127.0.0.3'

/** Polls until the port answers as expected: the rules follow a change within a second or so. */
async function settles (netns: Netns, port: number, expected: 'connected' | 'not connected'): Promise<ConnectOutcome> {
  let outcome: ConnectOutcome = await netns.connect('127.0.0.1', port, PEER)
  for (let i = 0; i < 30 && (expected === 'connected') !== (outcome === 'connected'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    outcome = await netns.connect('127.0.0.1', port, PEER)
  }
  return outcome
}

t.test('a port that belongs to a site follows that site\'s state, and no other', async (t) => {
  const netns = await createNetns(t)
  await netns.listen('127.0.0.1', APP1_PORT)
  await netns.listen('127.0.0.1', APP2_PORT)
  const dir = tempDir(t)
  const raw = rawConfig(dir, '', {
    firewall: {
      enabled: true,
      apply: 'direct',
      ports: [
        { port: APP1_PORT, site: 'app1', whenClosed: 'drop' },
        { port: APP2_PORT, site: 'app2', whenClosed: 'drop' }
      ]
    }
  })
  delete raw.upstream
  // no site named default: every port names the site it follows
  raw.sites = [
    { name: 'app1', hosts: ['one.test'], upstream: await namedUpstream(t, 'app1') },
    { name: 'app2', hosts: ['two.test'], upstream: await namedUpstream(t, 'app2') }
  ]
  const config = parseConfig(raw, TEST_ENV)
  const start = (): Promise<Gatekeeper> => startGatekeeper(config, { logger: pino({ level: 'silent' }), firewall: { iptables: { exec: netns.exec } } })
  let gk = await start()
  t.teardown(() => gk.close())
  let admin = adminClient(gk.adminUrl)

  t.equal(await settles(netns, APP1_PORT, 'connected'), 'connected', 'both sites open: app1\'s port is reachable')
  t.equal(await settles(netns, APP2_PORT, 'connected'), 'connected', 'both sites open: app2\'s port is reachable')

  t.equal((await admin('POST', '/v1/sites/app1/close', { reason: 'upgrading app1' })).status, 200)
  t.not(await settles(netns, APP1_PORT, 'not connected'), 'connected', 'app1 closed: its port is kept from the peer')
  t.equal(await netns.connect('127.0.0.1', APP2_PORT, PEER), 'connected', 'app1 closed: app2\'s port still answers')
  t.match(await netns.save('v4'), /--dport 5432 -j DROP/, 'the rules drop app1\'s port')
  t.notMatch(await netns.save('v4'), /--dport 6379/, 'and leave app2\'s alone')

  // a restart brings each port back as its site's state says
  await gk.close()
  gk = await start()
  admin = adminClient(gk.adminUrl)
  t.not(await settles(netns, APP1_PORT, 'not connected'), 'connected', 'after a restart app1\'s port is still closed')
  t.equal(await settles(netns, APP2_PORT, 'connected'), 'connected', 'after a restart app2\'s port is still reachable')

  t.equal((await admin('POST', '/v1/sites/app1/open')).status, 200)
  t.equal(await settles(netns, APP1_PORT, 'connected'), 'connected', 'app1 open again: its port is reachable')
  t.equal((await admin('POST', '/v1/sites/app2/close', { reason: 'app2 now' })).status, 200)
  t.not(await settles(netns, APP2_PORT, 'not connected'), 'connected', 'app2 closed: its port is kept from the peer')
  t.equal(await netns.connect('127.0.0.1', APP1_PORT, PEER), 'connected', 'and app1\'s still answers')
})
