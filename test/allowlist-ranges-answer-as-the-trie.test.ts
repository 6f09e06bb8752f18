import t from 'tap'
import { randomSource } from './helpers/random.js'
import { formatIp, parseCidr, type Cidr } from '../src/gate/cidr.js'
import { createIpSet } from '../src/gate/ip-set.js'
import { createRangeSet } from '../src/gate/range-set.js'

function randomBlock (random: () => number, v6: boolean): Cidr {
  const bytes = new Uint8Array(v6 ? 16 : 4)
  // few distinct leading bytes, so blocks nest, overlap and touch
  bytes[0] = v6 ? 0x20 : 10 + Math.floor(random() * 3)
  for (let i = 1; i < bytes.length; i++) bytes[i] = i < 3 ? Math.floor(random() * 4) : Math.floor(random() * 256)
  const bits = bytes.length * 8
  const prefix = Math.floor(random() * (bits + 1))
  for (let bit = prefix; bit < bits; bit++) bytes[bit >> 3] = (bytes[bit >> 3] as number) & ~(0x80 >> (bit & 7))
  return parseCidr(`${formatIp(v6 ? 6 : 4, bytes)}/${prefix}`)
}

function randomAddress (random: () => number, v6: boolean): string {
  const bytes = new Uint8Array(v6 ? 16 : 4)
  bytes[0] = v6 ? 0x20 : 10 + Math.floor(random() * 3)
  for (let i = 1; i < bytes.length; i++) bytes[i] = i < 3 ? Math.floor(random() * 4) : Math.floor(random() * 256)
  return formatIp(v6 ? 6 : 4, bytes)
}

t.test('the configured allowlist as merged ranges covers exactly what the prefix trie covers', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = randomSource(seed)
    const blocks = Array.from({ length: 300 }, (_, i) => randomBlock(random, i % 4 === 0))
    const trie = createIpSet(blocks)
    const ranges = createRangeSet(blocks)
    t.equal(ranges.size, trie.size, `seed ${seed}: the same number of distinct blocks`)
    let differences = 0
    for (let i = 0; i < 5000; i++) {
      const ip = randomAddress(random, i % 4 === 0)
      if (ranges.has(ip) !== trie.has(ip)) differences++
    }
    t.equal(differences, 0, `seed ${seed}: 5000 addresses, the same answer for each`)
  }
})

t.test('an IPv4 client is matched by IPv4 blocks only, plain or IPv4-mapped, and touching blocks merge without gaps', async (t) => {
  const ranges = createRangeSet(['10.0.0.0/25', '10.0.0.128/25', '::/0', '192.0.2.7/32', '::ffff:198.51.100.0/120'].map((text) => parseCidr(text)))
  t.ok(ranges.has('10.0.0.0') && ranges.has('10.0.0.127') && ranges.has('10.0.0.128') && ranges.has('10.0.0.255'), 'both halves')
  t.notOk(ranges.has('10.0.1.0'))
  t.ok(ranges.has('::ffff:192.0.2.7'), 'IPv4-mapped')
  t.ok(ranges.has('198.51.100.20'), 'an IPv4-mapped block is an IPv4 block')
  t.notOk(ranges.has('203.0.113.1'), '::/0 does not admit an IPv4 client')
  t.ok(ranges.has('2001:db8::1'), '::/0 admits every IPv6 client')
  t.notOk(ranges.has('not an address'))
  t.equal(createRangeSet([]).has('10.0.0.1'), false, 'an empty set covers nothing')
})
