// The benches' command-line options: whole numbers within bounds, and
// `--before DIR`, another build of Gatekeeper to measure beside this one.

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** `--NAME N`: a whole number from `min` to `max`, else `fallback` when absent. */
export function wholeOption (name, fallback, min = 1, max = 1000) {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`)
  return value
}

/** `--before DIR`: that tree's built CLI (DIR/dist/src/cli.js), or undefined without the option. */
export function beforeCli () {
  const at = process.argv.indexOf('--before')
  if (at === -1) return undefined
  const cli = join(resolve(process.argv[at + 1] ?? ''), 'dist', 'src', 'cli.js')
  if (!existsSync(cli)) throw new Error(`--before: ${cli} does not exist (build that tree first)`)
  return cli
}
