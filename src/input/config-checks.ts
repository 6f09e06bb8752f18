import { errors } from '../errors.js'

/** Small checks that name the key they reject: `store.path: must be a string, got 12`. */

export type Obj = Record<string, unknown>

export function fail (key: string, why: string): never {
  throw new errors.GK_ERR_CONFIG(`${key}: ${why}`)
}

function shown (value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value)
}

export function isObject (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function object (value: unknown, key: string, required = false): Obj {
  if (value === undefined || value === null) {
    if (required) fail(key, 'is required')
    return {}
  }
  if (!isObject(value)) fail(key, `must be a mapping, got ${shown(value)}`)
  return value
}

/** Refuses keys that are not known: a typo must not silently fall back to a default. */
export function onlyKeys (value: Obj, key: string, known: readonly string[]): void {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) fail(key === '' ? name : `${key}.${name}`, `is not a known setting (known: ${known.join(', ')})`)
  }
}

export function string (value: unknown, key: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'string' || value.length === 0) fail(key, `must be a non-empty string, got ${shown(value)}`)
  return value
}

export function optionalString (value: unknown, key: string): string | undefined {
  return value === undefined ? undefined : string(value, key)
}

export function integer (value: unknown, key: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(key, `must be a whole number from ${min} to ${max}, got ${shown(value)}`)
  }
  return value
}

export function oneOf<T extends string> (value: unknown, key: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(key, `must be one of ${allowed.join(', ')}, got ${shown(value)}`)
  return value as T
}

export function array (value: unknown, key: string): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) fail(key, `must be a list, got ${shown(value)}`)
  return value
}

export function boolean (value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(key, `must be true or false, got ${shown(value)}`)
  return value
}
