import { isIP } from 'node:net'
import t from 'tap'
import { randomSource } from './helpers/random.js'
import { canonicalIp, formatIp, isIpv4Mapped, parseCidr, parseIp, parseIpv4Number, parseIpv6Into } from '../src/gate/cidr.js'

t.test('parseCidr accepts blocks and bare addresses, in canonical form', async (t) => {
  const cases: Array<[string, string, 4 | 6, number]> = [
    ['10.20.0.0/16', '10.20.0.0/16', 4, 16],
    ['0.0.0.0/0', '0.0.0.0/0', 4, 0],
    ['255.255.255.255/32', '255.255.255.255/32', 4, 32],
    ['192.168.1.1', '192.168.1.1/32', 4, 32],
    ['192.168.1.128/25', '192.168.1.128/25', 4, 25],
    ['2001:DB8::/32', '2001:db8::/32', 6, 32],
    ['::/0', '::/0', 6, 0],
    ['::1', '::1/128', 6, 128],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/128', '2001:db8::1/128', 6, 128],
    ['fe80::/10', 'fe80::/10', 6, 10],
    ['1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8/128', 6, 128],
    ['2001:db8:0:1::/64', '2001:db8:0:1::/64', 6, 64],
    ['64:ff9b::/96', '64:ff9b::/96', 6, 96],
    ['::10.0.0.1/128', '::a00:1/128', 6, 128],
    // IPv4-mapped blocks fold to IPv4, so one rule covers both socket forms
    ['::ffff:10.0.0.0/104', '10.0.0.0/8', 4, 8],
    ['::ffff:0:0/96', '0.0.0.0/0', 4, 0],
    ['::FFFF:192.168.0.1', '192.168.0.1/32', 4, 32],
    ['::ffff:c0a8:1/128', '192.168.0.1/32', 4, 32],
    ['0:0:0:0:0:ffff:10.1.0.0/112', '10.1.0.0/16', 4, 16]
  ]
  for (const [input, text, family, prefix] of cases) {
    const cidr = parseCidr(input)
    t.equal(cidr.text, text, input)
    t.equal(cidr.family, family, `${input} family`)
    t.equal(cidr.prefix, prefix, `${input} prefix`)
    t.equal(cidr.bytes.length, family === 4 ? 4 : 16, `${input} bytes`)
  }
  t.same([...parseCidr('10.20.0.0/16').bytes], [10, 20, 0, 0])
  t.same([...parseCidr('::ffff:10.0.0.0/104').bytes], [10, 0, 0, 0])
  t.same([...parseCidr('2001:db8::/32').bytes], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
})

t.test('parseCidr refuses bad input and says what is wrong', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['', /^invalid CIDR "": empty/],
    ['   ', /empty/],
    ['  10.0.0.0/8\t', /white space/],
    ['10.0.0.0/8\r', /white space/],
    ['10.0.0.0/08', /the prefix length "08" has a leading zero; write \/8/],
    ['10.20.1.0/16', /^invalid CIDR 10\.20\.1\.0\/16: host bits are set; did you mean 10\.20\.0\.0\/16\?$/],
    ['10.0.0.1/0', /did you mean 0\.0\.0\.0\/0\?/],
    ['2001:db8::1/32', /host bits are set; did you mean 2001:db8::\/32\?/],
    ['::ffff:10.0.0.1/104', /did you mean ::ffff:10\.0\.0\.0\/104\?/],
    ['::ffff:10.0.0.0/80', /did you mean ::\/80\?/],
    ['10.0.0.0/33', /prefix length 33 is out of range 0-32 for IPv4/],
    ['::/129', /prefix length 129 is out of range 0-128 for IPv6/],
    ['10.0.0.0/999999999999', /out of range 0-32/],
    ['10.0.0.0/', /prefix length after "\/" is missing/],
    ['10.0.0.0/x', /prefix length "x" is not a whole number/],
    ['10.0.0.0/-1', /prefix length "-1" is not a whole number/],
    ['10.0.0.0/8.0', /prefix length "8\.0" is not a whole number/],
    ['10.0.0.0/ 8', /white space/],
    ['10.0.0.0//8', /more than one "\/"/],
    ['10.0.0.0/8/8', /more than one "\/"/],
    ['/8', /address before "\/" is missing/],
    ['010.1.1.1', /"010" has a leading zero, which some tools read as octal: write 10 if that is what you mean/],
    ['10.01.1.1/32', /"01" has a leading zero/],
    ['00.0.0.0/0', /"00" has a leading zero/],
    ['1.2.3', /four dot-separated numbers, "1\.2\.3" has 3/],
    ['1.2.3.4.5', /four dot-separated numbers, "1\.2\.3\.4\.5" has 5/],
    ['1..3.4', /empty number between dots/],
    ['1.2.3.256', /"256" is out of range 0-255/],
    ['1.2.3.4000', /"4000" is out of range 0-255/],
    ['example.com', /not an IPv4 or IPv6 address/],
    ['10.0.0.0 /8', /white space/],
    ['0x0a.0.0.0/8', /not an IPv4 or IPv6 address/],
    ['fe80::1%eth0/64', /zone id .* has no place in a CIDR/],
    ['fe80::1%eth0', /zone id/],
    ['[2001:db8::]/32', /without brackets/],
    ['2001:db8:::/48', /"2001:db8:::" is not an IPv6 address/],
    ['1::2::3/64', /is not an IPv6 address/],
    ['1:2:3:4:5:6:7:8:9/128', /is not an IPv6 address/],
    ['12345::/16', /is not an IPv6 address/],
    ['g::/16', /is not an IPv6 address/],
    [42, /^invalid CIDR 42: not a string$/],
    [undefined, /not a string/]
  ]
  for (const [input, message] of cases) {
    t.throws(() => parseCidr(input as string), { code: 'GK_ERR_BAD_CIDR', statusCode: 400, message }, String(input))
  }
})

t.test('parseIp reads request addresses and folds IPv4-mapped ones', async (t) => {
  const valid: Array<[string, 4 | 6, string]> = [
    ['127.0.0.2', 4, '127.0.0.2'],
    ['0.0.0.0', 4, '0.0.0.0'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['::ffff:127.0.0.2', 4, '127.0.0.2'],
    ['::FFFF:7f00:2', 4, '127.0.0.2'],
    ['::1', 6, '::1'],
    ['::', 6, '::'],
    ['1::', 6, '1::'],
    ['2001:DB8::0:1', 6, '2001:db8::1'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', 6, '0:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
    ['::1.2.3.4', 6, '::102:304'],
    ['fe80::1%eth0', 6, 'fe80::1'],
    ['fe80::1%br-0.a_1', 6, 'fe80::1'],
    ['fe80::1%7', 6, 'fe80::1']
  ]
  for (const [input, family, text] of valid) {
    const ip = parseIp(input)
    t.ok(ip, input)
    if (ip === null) continue
    t.equal(ip.family, family, `${input} family`)
    t.equal(formatIp(ip.family, ip.bytes), text, `${input} text`)
  }
  t.same(parseIp('::ffff:127.0.0.2'), { family: 4, bytes: Uint8Array.of(127, 0, 0, 2) })

  const invalid = [
    '', ' ', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.256', '010.0.0.1', '1.2.3.04',
    '1.2.3.4/32', 'localhost', ':', ':::', '::1::', '1:2', '1::2::3', ':1::', '1::2:', '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', '12345::', 'g::', '::ffff:1.2.3', '::ffff:1.2.3.4.5',
    '1:2:3:4:5:6:7:1.2.3.4', '1.2.3.4::', '::1.2.3.04', 'fe80::1%', 'fe80::1%eth 0', 'fe80::1%a/b', '%eth0',
    '[::1]', '::1]', '1.2.3.4:80'
  ]
  for (const input of invalid) t.equal(parseIp(input), null, JSON.stringify(input))
  t.equal(parseIp(undefined as unknown as string), null, 'not a string')
})

t.test('parseIp agrees with node:net on what is an address', async (t) => {
  const random = randomSource(1)
  const seeds = ['1.2.3.4', '::ffff:1.2.3.4', '2001:db8::1', '1:2:3:4:5:6:7:8', '::', '1::', 'fe80::a:b:c', '::1.2.3.4', '10.255.0.9']
  const alphabet = '0123456789abcdefABCDEFg:.:.'
  let disagreements = 0
  let valid = 0
  for (let n = 0; n < 20000; n++) {
    let text = seeds[Math.floor(random() * seeds.length)] as string
    const edits = 1 + Math.floor(random() * 3)
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (text.length + 1))
      const char = alphabet[Math.floor(random() * alphabet.length)] as string
      const kind = random()
      if (kind < 0.4) text = text.slice(0, at) + char + text.slice(at)
      else if (kind < 0.7) text = text.slice(0, at) + text.slice(at + 1)
      else text = text.slice(0, at) + char + text.slice(at + 1)
    }
    const mine = parseIp(text) !== null
    if (mine) valid++
    if (mine !== (isIP(text) !== 0)) {
      disagreements++
      t.fail(`parseIp and net.isIP disagree on ${JSON.stringify(text)}`)
    }
  }
  t.equal(disagreements, 0)
  t.ok(valid > 2000, `enough mutations stay addresses (${valid})`)
})

t.test('formatIp writes RFC 5952 text', async (t) => {
  const v6 = (text: string): Uint8Array => {
    const bytes = new Uint8Array(16)
    t.ok(parseIpv6Into(text, bytes), text)
    return bytes
  }
  t.equal(formatIp(6, v6('2001:db8:0:0:0:0:0:1')), '2001:db8::1')
  t.equal(formatIp(6, v6('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1', 'a single zero group is not shortened')
  t.equal(formatIp(6, v6('2001:0:0:1:0:0:0:1')), '2001:0:0:1::1', 'the longest run is shortened')
  t.equal(formatIp(6, v6('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1', 'the first of equal runs is shortened')
  t.equal(formatIp(6, v6('2001:DB8:00AB::0001')), '2001:db8:ab::1', 'lower case, no leading zeros')
  t.equal(formatIp(6, v6('0:0:0:0:0:0:0:0')), '::')
  t.equal(formatIp(6, v6('0:0:0:0:0:0:0:1')), '::1')
  t.equal(formatIp(6, v6('1:0:0:0:0:0:0:0')), '1::')
  t.equal(formatIp(6, v6('::ffff:1.2.3.4')), '::ffff:1.2.3.4', 'IPv4-mapped keeps the dotted tail')
  t.equal(formatIp(4, Uint8Array.of(1, 2, 3, 4)), '1.2.3.4')
  t.throws(() => formatIp(4, new Uint8Array(16)), TypeError)
  t.throws(() => formatIp(6, new Uint8Array(4)), /an IPv6 address has 16 bytes, got 4/)
})

t.test('IPv6 text round-trips and matches the WHATWG URL serialiser', async (t) => {
  const random = randomSource(2)
  let checked = 0
  for (let n = 0; n < 5000; n++) {
    const groups: string[] = []
    for (let g = 0; g < 8; g++) {
      // zero groups are common, so runs of every length and position turn up
      groups.push(random() < 0.45 ? '0' : Math.floor(random() * 65536).toString(16).padStart(4, '0'))
    }
    const full = groups.join(':')
    const ip = parseIp(full)
    if (ip === null) {
      t.fail(`not parsed: ${full}`)
      continue
    }
    if (ip.family === 4) continue
    const text = formatIp(6, ip.bytes)
    const expected = new URL(`http://[${full}]/`).hostname.slice(1, -1)
    if (text !== expected) t.fail(`${full}: formatIp gives ${text}, URL gives ${expected}`)
    const again = parseIp(text)
    if (again === null || formatIp(again.family, again.bytes) !== text) t.fail(`${text} does not parse back`)
    checked++
  }
  t.ok(checked > 4900, `${checked} addresses compared`)
})

t.test('parseIpv6Into fills a reused buffer completely', async (t) => {
  const out = new Uint8Array(16).fill(0xee)
  t.ok(parseIpv6Into('1::2', out))
  t.same([...out], [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
  out.fill(0xee)
  t.ok(parseIpv6Into('::', out))
  t.same([...out], new Array(16).fill(0))
  out.fill(0xee)
  t.ok(parseIpv6Into('a:b:c:d:e:f:1:2', out))
  t.same([...out], [0, 0xa, 0, 0xb, 0, 0xc, 0, 0xd, 0, 0xe, 0, 0xf, 0, 1, 0, 2])
})

t.test('parseIpv4Number reads a range of a string as an unsigned number', async (t) => {
  t.equal(parseIpv4Number('255.255.255.255'), 4294967295)
  t.equal(parseIpv4Number('0.0.0.0'), 0)
  t.equal(parseIpv4Number('127.0.0.2'), 0x7f000002)
  t.equal(parseIpv4Number('x1.2.3.4y', 1, 8), 0x01020304)
  t.equal(parseIpv4Number('1.2.3.4.5'), -1)
  t.equal(parseIpv4Number('1.2.3.'), -1)
  t.equal(parseIpv4Number('1.2.3.00'), -1)
})

t.test('isIpv4Mapped and canonicalIp', async (t) => {
  t.notOk(isIpv4Mapped(parseCidr('::ffff:0:0/128').bytes), 'parseCidr has already folded it to IPv4')
  const mapped = new Uint8Array(16)
  parseIpv6Into('::ffff:1.2.3.4', mapped)
  t.ok(isIpv4Mapped(mapped))
  parseIpv6Into('::fffe:1.2.3.4', mapped)
  t.notOk(isIpv4Mapped(mapped))
  parseIpv6Into('1::ffff:1.2.3.4', mapped)
  t.notOk(isIpv4Mapped(mapped))
  t.notOk(isIpv4Mapped(Uint8Array.of(1, 2, 3, 4)))

  t.equal(canonicalIp('10.0.0.1'), '10.0.0.1')
  t.equal(canonicalIp('::ffff:10.0.0.1'), '10.0.0.1')
  t.equal(canonicalIp('2001:DB8:0::1'), '2001:db8::1')
  t.equal(canonicalIp('fe80::1%eth0'), 'fe80::1')
  t.equal(canonicalIp('10.0.0.01'), null)
  t.equal(canonicalIp('nonsense'), null)
  t.equal(canonicalIp(undefined as unknown as string), null)
})
