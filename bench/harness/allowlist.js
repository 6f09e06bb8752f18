// Allowlists of a chosen size for the lookup-cost comparison: a mix of IPv4
// hosts and networks and IPv6 networks, drawn from a fixed seed so every run
// builds the same trie, and never covering loopback (the load comes from
// 127.0.0.1, so every lookup walks the trie and misses, the worst case).

/** A small deterministic generator (xorshift32): the same entries on every run. */
function generator (seed) {
  let x = seed >>> 0
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
}

export function allowlistOf (count, seed = 0x9e3779b9) {
  const next = generator(seed)
  const entries = new Set()
  while (entries.size < count) {
    const kind = next() % 10
    if (kind < 6) {
      const a = 1 + (next() % 223)
      if (a === 127) continue
      entries.add(`${a}.${next() % 256}.${next() % 256}.${next() % 256}/32`)
    } else if (kind < 8) {
      const a = 1 + (next() % 223)
      if (a === 127) continue
      entries.add(`${a}.${next() % 256}.${next() % 256}.0/24`)
    } else {
      const words = [0x2001, next() & 0xffff, next() & 0xffff, next() & 0xffff].map((w) => w.toString(16))
      entries.add(`${words.join(':')}::/64`)
    }
  }
  return [...entries]
}
