import { formatIp, type Cidr } from '../gate/cidr.js'

/**
 * The fewest CIDR blocks that cover exactly the addresses of `cidrs` (one
 * family): duplicates and blocks inside others disappear, neighbours join
 * (`10.0.0.0/25` and `10.0.0.128/25` become `10.0.0.0/24`). Never more
 * blocks than it was given, so a large allowlist is never more rules than
 * entries, and often far fewer. Sorted by address.
 */
export function mergedBlocks (cidrs: readonly Cidr[], family: 4 | 6): string[] {
  const bits = family === 4 ? 32 : 128
  const ranges = cidrs.filter(cidr => cidr.family === family).map(cidr => {
    const first = toBigInt(cidr.bytes)
    return { first, last: first + (1n << BigInt(bits - cidr.prefix)) - 1n }
  })
  ranges.sort((a, b) => a.first < b.first ? -1 : a.first > b.first ? 1 : 0)

  const merged: Array<{ first: bigint, last: bigint }> = []
  for (const range of ranges) {
    const previous = merged[merged.length - 1]
    if (previous !== undefined && range.first <= previous.last + 1n) {
      if (range.last > previous.last) previous.last = range.last
    } else {
      merged.push({ ...range })
    }
  }

  const blocks: string[] = []
  for (const { first, last } of merged) {
    let start = first
    while (start <= last) {
      // the largest block aligned at `start` that ends inside the range
      let size = start === 0n ? bits : trailingZeros(start)
      while (start + (1n << BigInt(size)) - 1n > last) size--
      blocks.push(`${formatIp(family, toBytes(start, bits / 8))}/${bits - size}`)
      start += 1n << BigInt(size)
    }
  }
  return blocks
}

function toBigInt (bytes: Uint8Array): bigint {
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  return value
}

function toBytes (value: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn)
    value >>= 8n
  }
  return bytes
}

function trailingZeros (value: bigint): number {
  let count = 0
  while ((value & 1n) === 0n) {
    value >>= 1n
    count++
  }
  return count
}
