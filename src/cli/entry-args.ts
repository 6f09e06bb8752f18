/**
 * What comes before the command on `gatekeeper`'s command line. People type
 * `gatekeeper --url http://lb:8081 status` as often as the other order, so
 * the connection flags may stand on either side of the command; they are
 * moved behind it, where each command parses them.
 */

/** Flags that take a value, as every admin command (and serve, firewall) reads them. */
const VALUE_FLAGS = new Set(['--url', '--token', '--token-file', '--public-url', '--config', '-c', '--timeout', '--if-match', '--wait'])
/** Flags without a value that any command takes. */
const BOOLEAN_FLAGS = new Set(['--json'])

export type Entry =
  | { kind: 'version' }
  | { kind: 'help' }
  | { kind: 'command', command: string | undefined, args: string[] }
  | { kind: 'error', message: string }

export function readEntry (argv: readonly string[]): Entry {
  const moved: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i] as string
    if (!arg.startsWith('-')) break
    if (arg === '--version' || arg === '-V') return { kind: 'version' }
    if (arg === '--help' || arg === '-h') return { kind: 'help' }
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg
    if (VALUE_FLAGS.has(name)) {
      if (name === arg) {
        const value = argv[i + 1]
        if (value === undefined) return { kind: 'error', message: `${arg} needs a value` }
        moved.push(arg, value)
        i += 2
      } else {
        moved.push(arg)
        i += 1
      }
      continue
    }
    if (BOOLEAN_FLAGS.has(arg)) {
      moved.push(arg)
      i += 1
      continue
    }
    return { kind: 'error', message: `unknown option ${arg} before the command` }
  }
  const command = argv[i]
  return { kind: 'command', command, args: [...argv.slice(i + 1), ...moved] }
}

/**
 * Edit distance with swapped neighbours counted as one edit ("opne" is one
 * slip from "open"), for "did you mean": commands are short, so the plain
 * table is enough.
 */
function distance (a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)]
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    const above = rows[i - 1] as number[]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (rows[i - 2] as number[])[j - 2] as number + 1)
      row[j] = best
    }
    rows.push(row)
  }
  return (rows[a.length] as number[])[b.length] as number
}

/** The known command closest to a typo, when it is close enough to be what was meant. */
export function suggestion (typed: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const name of known) {
    const d = distance(typed.toLowerCase(), name)
    if (d < bestDistance) {
      best = name
      bestDistance = d
    }
  }
  const tolerance = typed.length <= 4 ? 1 : 2
  if (best !== undefined && bestDistance <= tolerance) return best
  return known.find((name) => name.startsWith(typed.toLowerCase()) && typed.length >= 3)
}
