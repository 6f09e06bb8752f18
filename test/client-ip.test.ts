import t from 'tap'
import { parseCidr } from '../src/gate/cidr.js'
import { clientIp } from '../src/gate/client-ip.js'
import { createIpSet } from '../src/gate/ip-set.js'

const proxies = createIpSet(['127.0.0.1', '10.0.0.0/8', '2001:db8:ffff::/48'].map(parseCidr))
const none = createIpSet()

t.test('an untrusted socket is the client, whatever X-Forwarded-For says', async (t) => {
  t.equal(clientIp('203.0.113.7', undefined, proxies), '203.0.113.7')
  t.equal(clientIp('203.0.113.7', '10.20.0.5', proxies), '203.0.113.7', 'a spoofed header changes nothing')
  t.equal(clientIp('203.0.113.7', ['10.20.0.5', '127.0.0.1'], proxies), '203.0.113.7')
  t.equal(clientIp('10.0.0.1', '198.51.100.1', none), '10.0.0.1', 'nobody is trusted by default')
  t.equal(clientIp('2001:db8::7', 'garbage', proxies), '2001:db8::7')
})

t.test('the socket address comes back in canonical form', async (t) => {
  t.equal(clientIp('::ffff:203.0.113.7', undefined, none), '203.0.113.7')
  t.equal(clientIp('::FFFF:cb00:7107', undefined, none), '203.0.113.7')
  t.equal(clientIp('2001:DB8:0:0::1', undefined, none), '2001:db8::1')
  t.equal(clientIp('fe80::1%eth0', undefined, none), 'fe80::1')
  t.equal(clientIp('::ffff:10.1.1.1', '198.51.100.1', proxies), '198.51.100.1', 'a mapped proxy socket is still the trusted proxy')
})

t.test('a socket without a usable address gives the empty string', async (t) => {
  t.equal(clientIp(undefined, '198.51.100.1', proxies), '')
  t.equal(clientIp('', undefined, proxies), '')
  t.equal(clientIp('not-an-ip', undefined, none), '')
})

t.test('behind trusted proxies: the right-most untrusted entry', async (t) => {
  t.equal(clientIp('127.0.0.1', '203.0.113.7', proxies), '203.0.113.7')
  t.equal(clientIp('127.0.0.1', '203.0.113.7, 10.0.0.2', proxies), '203.0.113.7', 'skips a chain of trusted proxies')
  t.equal(clientIp('127.0.0.1', '10.20.0.5, 198.51.100.1, 10.0.0.2', proxies), '198.51.100.1', 'entries the client wrote are never reached')
  t.equal(clientIp('10.9.9.9', 'whatever, 198.51.100.1', proxies), '198.51.100.1', 'garbage left of the client is never read')
  t.equal(clientIp('10.9.9.9', ', 198.51.100.1', proxies), '198.51.100.1')
  t.equal(clientIp('2001:db8:ffff::1', '2001:db8::42, 2001:db8:ffff::2', proxies), '2001:db8::42')
  t.equal(clientIp('127.0.0.1', '::ffff:198.51.100.1', proxies), '198.51.100.1', 'an entry in mapped form')
  t.equal(clientIp('127.0.0.1', '198.51.100.1, ::ffff:10.0.0.2', proxies), '198.51.100.1', 'a trusted proxy in mapped form')
  t.equal(clientIp('127.0.0.1', '2001:DB8::0:1', proxies), '2001:db8::1', 'the answer is canonical')
})

t.test('when every entry is trusted, the left-most is the client', async (t) => {
  t.equal(clientIp('127.0.0.1', '10.0.0.3, 10.0.0.2', proxies), '10.0.0.3')
  t.equal(clientIp('127.0.0.1', '::ffff:10.0.0.3', proxies), '10.0.0.3')
})

t.test('a trusted proxy that sends no X-Forwarded-For is itself the client', async (t) => {
  t.equal(clientIp('127.0.0.1', undefined, proxies), '127.0.0.1')
  t.equal(clientIp('127.0.0.1', '', proxies), '127.0.0.1')
  t.equal(clientIp('127.0.0.1', ' \t', proxies), '127.0.0.1')
  t.equal(clientIp('127.0.0.1', [], proxies), '127.0.0.1')
})

t.test('entries may carry ports, brackets and spaces', async (t) => {
  t.equal(clientIp('127.0.0.1', '198.51.100.1:5678', proxies), '198.51.100.1')
  t.equal(clientIp('127.0.0.1', '[2001:db8::1]:443', proxies), '2001:db8::1')
  t.equal(clientIp('127.0.0.1', '[2001:db8::1]', proxies), '2001:db8::1')
  t.equal(clientIp('127.0.0.1', '2001:db8::1', proxies), '2001:db8::1')
  t.equal(clientIp('127.0.0.1', '[fe80::1%eth0]:80', proxies), 'fe80::1')
  t.equal(clientIp('127.0.0.1', '  198.51.100.1\t ,  10.0.0.2:8080  ', proxies), '198.51.100.1')
  t.equal(clientIp('127.0.0.1', '198.51.100.1,10.0.0.2', proxies), '198.51.100.1')
  t.equal(clientIp('127.0.0.1', '198.51.100.1:0', proxies), '198.51.100.1')
  t.equal(clientIp('127.0.0.1', '198.51.100.1:65535', proxies), '198.51.100.1')
  t.equal(clientIp('127.0.0.1', '[::ffff:10.0.0.2]:1, 198.51.100.9:2, [::ffff:10.0.0.3]:3', proxies), '198.51.100.9')
})

t.test('several header lines join with commas, the last line right-most', async (t) => {
  t.equal(clientIp('127.0.0.1', ['203.0.113.7', '10.0.0.2'], proxies), '203.0.113.7')
  t.equal(clientIp('127.0.0.1', ['10.20.0.5', '198.51.100.1, 10.0.0.2'], proxies), '198.51.100.1')
  t.equal(clientIp('127.0.0.1', ['198.51.100.1', ''], proxies), '', 'an empty last line is an empty entry')
})

t.test('garbage recorded by a trusted proxy gives the empty string, never the proxy', async (t) => {
  const garbage = [
    'unknown',
    '_hidden',
    '198.51.100.1, unknown',
    '198.51.100.1, 10.0.0.2,',
    '198.51.100.1,,10.0.0.2',
    ',',
    ',10.0.0.2',
    'garbage, 10.0.0.2',
    '010.1.1.1',
    '198.51.100.1:',
    '198.51.100.1:65536',
    '198.51.100.1:123456',
    '198.51.100.1:80a',
    '198.51.100.1: 80',
    '198.51.100.1:-1',
    '[2001:db8::1]:',
    '[2001:db8::1]x',
    '[2001:db8::1]:99999',
    '[2001:db8::1',
    '[198.51.100.1]',
    '[198.51.100.1]:80',
    '"198.51.100.1"',
    'for=198.51.100.1',
    '198.51.100.1/32',
    '2001:db8::1::2'
  ]
  for (const header of garbage) t.equal(clientIp('127.0.0.1', header, proxies), '', JSON.stringify(header))
  // the proxy's own address may be allowlisted; the empty string matches no rule
  const allowlist = createIpSet([parseCidr('127.0.0.0/8'), parseCidr('10.0.0.0/8')])
  t.notOk(allowlist.has(clientIp('127.0.0.1', 'unknown', proxies)))
})
