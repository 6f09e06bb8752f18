import t from 'tap'
import { randomSource } from './helpers/random.js'
import { formatIp, parseCidr, type Cidr } from '../src/gate/cidr.js'
import { createIpSet } from '../src/gate/ip-set.js'

const cidrs = (...texts: string[]): Cidr[] => texts.map(parseCidr)

t.test('an empty set covers nothing', async (t) => {
  const set = createIpSet()
  t.equal(set.size, 0)
  t.notOk(set.has('127.0.0.1'))
  t.notOk(set.has('::1'))
  t.notOk(set.hasBytes(4, Uint8Array.of(127, 0, 0, 1)))
})

t.test('IPv4 blocks cover exactly their range', async (t) => {
  const set = createIpSet(cidrs('10.20.0.0/16', '192.168.1.7', '172.16.0.0/12'))
  t.equal(set.size, 3)
  for (const ip of ['10.20.0.0', '10.20.255.255', '10.20.3.4', '192.168.1.7', '172.16.0.0', '172.31.255.255']) t.ok(set.has(ip), ip)
  for (const ip of ['10.19.255.255', '10.21.0.0', '192.168.1.6', '192.168.1.8', '172.15.255.255', '172.32.0.0', '0.0.0.0', '255.255.255.255']) t.notOk(set.has(ip), ip)
  t.ok(set.hasBytes(4, Uint8Array.of(10, 20, 9, 9)))
  t.notOk(set.hasBytes(4, Uint8Array.of(10, 21, 9, 9)))
})

t.test('0.0.0.0/0 and ::/0 cover their whole family', async (t) => {
  const v4 = createIpSet(cidrs('0.0.0.0/0'))
  t.ok(v4.has('0.0.0.0'))
  t.ok(v4.has('255.255.255.255'))
  t.notOk(v4.has('::1'), 'IPv4 blocks never cover IPv6')
  const v6 = createIpSet(cidrs('::/0'))
  t.ok(v6.has('::'))
  t.ok(v6.has('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'))
  // a dual-stack socket's ::ffff:a.b.c.d is an IPv4 client: only IPv4 rules decide about it
  t.notOk(v6.has('1.2.3.4'))
  t.notOk(v6.has('::ffff:1.2.3.4'))
})

t.test('IPv6 blocks cover exactly their range', async (t) => {
  const set = createIpSet(cidrs('2001:db8::/32', 'fe80::/10', '2001:db9:0:1::5', '2001:db9:0:1:8000::/65'))
  t.ok(set.has('2001:db8::'))
  t.ok(set.has('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'))
  t.notOk(set.has('2001:db7:ffff:ffff:ffff:ffff:ffff:ffff'))
  t.notOk(set.has('2001:db9::'))
  t.ok(set.has('febf::1'))
  t.notOk(set.has('fec0::1'))
  t.ok(set.has('2001:db9:0:1::5'))
  t.notOk(set.has('2001:db9:0:1::4'))
  t.notOk(set.has('2001:db9:0:1::6'))
  t.ok(set.has('2001:db9:0:1:8000::1'))
  t.ok(set.has('2001:db9:0:1:ffff:ffff:ffff:ffff'))
  t.notOk(set.has('2001:db9:0:1:7fff:ffff:ffff:ffff'))
  t.ok(set.has('FE80::1%eth0'), 'a link-local socket address with its zone')
  t.ok(set.hasBytes(6, parseCidr('2001:db8:1::1').bytes))
  t.notOk(set.has('10.0.0.1'))
})

t.test('IPv4 rules cover IPv4-mapped socket addresses, however the rule was written', async (t) => {
  const set = createIpSet(cidrs('10.0.0.0/8', '::ffff:192.168.0.0/112'))
  t.ok(set.has('::ffff:10.1.2.3'))
  t.ok(set.has('::FFFF:a01:203'))
  t.ok(set.has('192.168.4.4'))
  t.ok(set.has('::ffff:192.168.4.4'))
  t.notOk(set.has('::ffff:11.0.0.1'))
  t.notOk(set.has('::a01:203'), 'IPv4-compatible (not mapped) is IPv6')
  const mapped = parseCidr('::ffff:10.1.2.3/128')
  t.equal(mapped.family, 4)
  const bytes = new Uint8Array(16)
  bytes[10] = 0xff
  bytes[11] = 0xff
  bytes.set([10, 1, 2, 3], 12)
  t.ok(set.hasBytes(6, bytes), 'hasBytes folds mapped bytes too')

  // a Cidr built by hand in mapped form is folded the same way
  const byHand = createIpSet()
  byHand.add({ family: 6, bytes: Uint8Array.from(bytes.map((b, i) => i === 15 ? 0 : b)), prefix: 120, text: '::ffff:10.1.2.0/120' })
  t.ok(byHand.has('10.1.2.99'))
  t.notOk(byHand.has('10.1.3.0'))
})

t.test('expiry: a block counts while expiresAt > now; now 0 ignores expiry', async (t) => {
  const set = createIpSet()
  set.add(parseCidr('10.0.0.0/8'), 1000)
  set.add(parseCidr('10.1.0.0/16'), 5000)
  t.ok(set.has('10.2.0.1'), 'now defaults to 0')
  t.ok(set.has('10.2.0.1', 999))
  t.notOk(set.has('10.2.0.1', 1000), 'expired at expiresAt')
  t.ok(set.has('10.1.0.1', 1000), 'a nested block still live')
  t.ok(set.has('10.1.0.1', 4999))
  t.notOk(set.has('10.1.0.1', 5000))

  set.add(parseCidr('10.0.0.0/8'), 500)
  t.equal(set.size, 2, 'the same block twice is one block')
  t.ok(set.has('10.2.0.1', 999), 'an earlier expiry does not shorten a later one')
  set.add(parseCidr('10.0.0.0/8'), 9000)
  t.ok(set.has('10.2.0.1', 8999), 'a later expiry extends it')
  set.add(parseCidr('10.0.0.0/8'))
  t.ok(set.has('10.2.0.1', Number.MAX_SAFE_INTEGER), 'no expiry means never')

  const v6 = createIpSet()
  v6.add(parseCidr('2001:db8::/32'), 100)
  v6.add(parseCidr('2001:db8::/48'), 200)
  t.ok(v6.has('2001:db8::1', 150))
  t.notOk(v6.has('2001:db8:1::1', 150))
})

t.test('an unreadable expiry admits nobody', async (t) => {
  const set = createIpSet()
  set.add(parseCidr('10.0.0.0/8'), Number.NaN)
  t.equal(set.size, 1)
  t.notOk(set.has('10.0.0.1'))
  t.notOk(set.has('10.0.0.1', 5))
  set.add(parseCidr('10.0.0.0/8'), 100)
  t.ok(set.has('10.0.0.1', 5), 'a later valid entry for the same block counts')
})

t.test('blocks added in any order: above, below and beside each other', async (t) => {
  const texts = ['10.0.0.0/8', '10.128.0.0/9', '10.1.2.0/24', '10.1.2.3', '10.1.3.0/24', '11.0.0.0/8', '0.0.0.0/1', '128.0.0.0/1']
  const probes = ['10.1.2.3', '10.1.2.4', '10.1.3.9', '10.200.0.1', '11.5.5.5', '12.0.0.1', '200.0.0.1']
  const live = new Map([['10.0.0.0/8', 10], ['10.128.0.0/9', 20], ['10.1.2.0/24', 30], ['10.1.2.3/32', 40], ['10.1.3.0/24', 50], ['11.0.0.0/8', 60], ['0.0.0.0/1', 5], ['128.0.0.0/1', 70]])
  const random = randomSource(3)
  for (let round = 0; round < 50; round++) {
    const order = [...texts].sort(() => random() - 0.5)
    const set = createIpSet()
    for (const text of order) set.add(parseCidr(text), live.get(parseCidr(text).text))
    t.equal(set.size, texts.length)
    for (const now of [0, 8, 15, 25, 35, 45, 55, 65, 75]) {
      for (const probe of probes) {
        const expected = texts.some((text) => {
          const cidr = parseCidr(text)
          return (live.get(cidr.text) as number) > now && covers(cidr, parseCidr(probe))
        })
        if (set.has(probe, now) !== expected) t.fail(`order ${order.join(' ')}: ${probe} at ${now} should be ${expected}`)
      }
    }
  }
  t.pass('every order agrees with the naive answer')
})

t.test('a block added where two others branch apart is counted once', async (t) => {
  const set = createIpSet(cidrs('10.0.0.0/16', '10.1.0.0/16'))
  t.notOk(set.has('10.2.0.1'))
  set.add(parseCidr('10.0.0.0/14'))
  t.equal(set.size, 3)
  t.ok(set.has('10.2.0.1'))
  set.add(parseCidr('10.0.0.0/14'))
  t.equal(set.size, 3)
})

t.test('anything that is not an address is covered by nothing', async (t) => {
  const set = createIpSet(cidrs('0.0.0.0/0', '::/0'))
  for (const ip of ['', 'x', '1.2.3', '010.0.0.1', '1.2.3.4 ', '[::1]', '1.2.3.4:80', '::1::', 'fe80::1%']) t.notOk(set.has(ip), JSON.stringify(ip))
  t.notOk(set.has(undefined as unknown as string))
  t.notOk(set.hasBytes(4, new Uint8Array(16)))
  t.notOk(set.hasBytes(6, new Uint8Array(4)))
  t.notOk(set.hasBytes(5 as 4, new Uint8Array(4)))
})

t.test('add refuses something that is not a parsed CIDR', async (t) => {
  const set = createIpSet()
  t.throws(() => set.add({ family: 4, bytes: new Uint8Array(16), prefix: 8, text: 'x' }), TypeError)
  t.throws(() => set.add({ family: 4, bytes: new Uint8Array(4), prefix: 33, text: 'x' }), /not a parsed CIDR/)
  t.throws(() => set.add({ family: 6, bytes: new Uint8Array(16), prefix: 1.5, text: 'x' }), TypeError)
  t.throws(() => set.add({ family: 6, bytes: new Uint8Array(4), prefix: 1, text: 'x' }), TypeError)
  t.equal(set.size, 0)
})

/** Naive reference: does `block` cover the address `ip` (a /32 or /128)? */
function covers (block: Cidr, ip: Cidr): boolean {
  if (block.family !== ip.family) return false
  for (let bit = 0; bit < block.prefix; bit++) {
    const mask = 0x80 >>> (bit & 7)
    if (((block.bytes[bit >>> 3] as number) & mask) !== ((ip.bytes[bit >>> 3] as number) & mask)) return false
  }
  return true
}

t.test('100 000 random blocks: lookups agree with a linear scan', async (t) => {
  const random = randomSource(4)
  const perFamily = 50000
  const set = createIpSet()

  // IPv4: blocks clustered in a few regions, so random probes hit and miss
  const v4Regions = Array.from({ length: 16 }, () => Math.floor(random() * 256) << 24 >>> 0)
  const v4Keys = new Uint32Array(perFamily)
  const v4Lengths = new Uint8Array(perFamily)
  const v4Expiry = new Float64Array(perFamily)
  // IPv6: the same, /48 regions inside 2001:db8::/32, as four 32-bit words
  const v6Keys = new Uint32Array(perFamily * 4)
  const v6Lengths = new Uint8Array(perFamily)
  const v6Expiry = new Float64Array(perFamily)
  const v6Regions = Array.from({ length: 16 }, () => Math.floor(random() * 65536))

  const expiry = (): number => random() < 0.3 ? Infinity : 1 + Math.floor(random() * 1000)
  const maskOf = (length: number): number => length <= 0 ? 0 : length >= 32 ? 0xffffffff : (0xffffffff << (32 - length)) >>> 0

  for (let i = 0; i < perFamily; i++) {
    const length = 20 + Math.floor(random() * 13)
    const address = ((v4Regions[Math.floor(random() * v4Regions.length)] as number) | Math.floor(random() * 0x1000000)) >>> 0
    const key = (address & maskOf(length)) >>> 0
    v4Keys[i] = key
    v4Lengths[i] = length
    v4Expiry[i] = expiry()
    set.add({ family: 4, bytes: Uint8Array.of(key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff), prefix: length, text: '' }, v4Expiry[i])

    const length6 = 56 + Math.floor(random() * 73)
    const words = [0x20010db8, ((v6Regions[Math.floor(random() * v6Regions.length)] as number) << 16 | Math.floor(random() * 65536)) >>> 0, Math.floor(random() * 4294967296), Math.floor(random() * 4294967296)]
    const bytes = new Uint8Array(16)
    for (let w = 0; w < 4; w++) {
      const masked = ((words[w] as number) & maskOf(length6 - w * 32)) >>> 0
      v6Keys[i * 4 + w] = masked
      bytes.set([masked >>> 24, (masked >>> 16) & 0xff, (masked >>> 8) & 0xff, masked & 0xff], w * 4)
    }
    v6Lengths[i] = length6
    v6Expiry[i] = expiry()
    set.add({ family: 6, bytes, prefix: length6, text: '' }, v6Expiry[i])
  }
  t.ok(set.size > 90000 && set.size <= 2 * perFamily, `${set.size} distinct blocks`)

  const probes = 1500
  let hits = 0
  let misses = 0
  let mismatches = 0
  for (let p = 0; p < probes; p++) {
    const now = random() < 0.25 ? 0 : Math.floor(random() * 1000)
    // half the probes start from a stored block, so they are inside at least one
    const near = random() < 0.5
    const from = Math.floor(random() * perFamily)

    const address = near
      ? ((v4Keys[from] as number) | (Math.floor(random() * 4294967296) & ~maskOf(v4Lengths[from] as number))) >>> 0
      : ((v4Regions[Math.floor(random() * v4Regions.length)] as number) | Math.floor(random() * 0x1000000)) >>> 0
    let expected = false
    for (let i = 0; i < perFamily && !expected; i++) {
      const mask = maskOf(v4Lengths[i] as number)
      expected = ((address & mask) >>> 0) === v4Keys[i] && (v4Expiry[i] as number) > now
    }
    const text = formatIp(4, Uint8Array.of(address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff))
    const viaText = set.has(text, now)
    const viaMapped = set.has('::ffff:' + text, now)
    if (viaText !== expected || viaMapped !== expected) {
      mismatches++
      t.fail(`${text} at ${now}: expected ${expected}, has() says ${viaText}, mapped ${viaMapped}`)
    }

    const probe = new Uint32Array(4)
    for (let w = 0; w < 4; w++) {
      const stored = v6Keys[from * 4 + w] as number
      probe[w] = near
        ? (stored | (Math.floor(random() * 4294967296) & ~maskOf((v6Lengths[from] as number) - w * 32))) >>> 0
        : w === 0 ? 0x20010db8 : w === 1 ? ((v6Regions[Math.floor(random() * v6Regions.length)] as number) << 16 | Math.floor(random() * 65536)) >>> 0 : Math.floor(random() * 4294967296)
    }
    let expected6 = false
    for (let i = 0; i < perFamily && !expected6; i++) {
      const length = v6Lengths[i] as number
      let inside = true
      for (let w = 0; w < 4 && inside; w++) inside = (((probe[w] as number) & maskOf(length - w * 32)) >>> 0) === v6Keys[i * 4 + w]
      expected6 = inside && (v6Expiry[i] as number) > now
    }
    const bytes6 = new Uint8Array(16)
    for (let w = 0; w < 4; w++) {
      const word = probe[w] as number
      bytes6.set([word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff], w * 4)
    }
    const text6 = formatIp(6, bytes6)
    const viaText6 = set.has(text6, now)
    const viaBytes6 = set.hasBytes(6, bytes6, now)
    if (viaText6 !== expected6 || viaBytes6 !== expected6) {
      mismatches++
      t.fail(`${text6} at ${now}: expected ${expected6}, has() says ${viaText6}, hasBytes ${viaBytes6}`)
    }

    for (const outcome of [expected, expected6]) {
      if (outcome) hits++
      else misses++
    }
  }
  t.equal(mismatches, 0, `${probes * 2} probes agree with the linear scan`)
  t.ok(hits > probes / 5 && misses > probes / 5, `both outcomes are exercised (${hits} hits, ${misses} misses)`)
})
