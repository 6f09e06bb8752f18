import { parseCidr } from '../gate/cidr.js'
import { normalHost } from '../gate/host.js'
import type { Fail } from '../input/fail.js'
import { NODE_NAME, parseNodesConfig, type NodesConfig } from '../nodes/config.js'

/** The one site of a configuration without `sites:`; its state is stored where the state has always been. */
export const DEFAULT_SITE = 'default'

/** One application behind the gate (`sites:` in the configuration). */
export interface SiteConfig {
  name: string
  /** exact names, lower case, without a trailing dot */
  hosts: string[]
  /** `*.example.edu` kept as `example.edu`: one more label, exactly */
  wildcards: string[]
  /** path prefixes without a trailing `/` or `/*`; empty: every path of the hosts */
  paths: string[]
  /** the site's own upstream, read as the top-level `upstream` is without sites */
  nodes: NodesConfig
  /** sites that must not be closed while this one opens */
  dependsOn: string[]
  /** the site's own maintenance pages; absent: the default pages (`maintenance.pagesDir`) */
  pagesDir?: string
  /** entries added to the global allowlist for this site alone */
  allowlist: Array<{ cidr: string, label: string }>
}

const SITE_KEYS = ['name', 'hosts', 'paths', 'upstream', 'dependsOn', 'pages', 'allowlist']

type Obj = Record<string, unknown>

function isObj (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function list (value: unknown, key: string, fail: Fail, required = false): unknown[] {
  if (value === undefined || value === null) return required ? fail(key, 'is required: a list') : []
  if (!Array.isArray(value)) return fail(key, `must be a list, got ${JSON.stringify(value)}`)
  if (required && value.length === 0) return fail(key, 'must list at least one entry')
  return value
}

/** A host entry: an exact name (or address), or `*.` and a name. */
function hostOf (entry: unknown, key: string, fail: Fail): { wildcard: boolean, host: string } {
  if (typeof entry !== 'string' || entry === '') return fail(key, `must be a host name such as portal.example.edu or *.example.edu, got ${JSON.stringify(entry)}`)
  const wildcard = entry.startsWith('*.')
  const rest = wildcard ? entry.slice(2) : entry
  if (rest.includes('*')) return fail(key, `${JSON.stringify(entry)} is not a host pattern: a wildcard is "*." before a name (as in *.example.edu), and stands for one label`)
  const host = normalHost(rest)
  if (host === null && /^[^:]+:\d+$/.test(rest)) return fail(key, `must be a host without a port, got ${JSON.stringify(entry)}`)
  if (host === null || (wildcard && host.includes(':'))) return fail(key, `${JSON.stringify(entry)} is not a host name${wildcard ? ' after "*."' : ''}`)
  if (wildcard && !host.includes('.')) return fail(key, `${JSON.stringify(entry)} would match whole top-level domains: name at least two labels after "*."`)
  return { wildcard, host }
}

/** A path prefix: `/api/*` and `/api` both mean `/api` and everything below it (never `/apiary`). */
function pathOf (entry: unknown, key: string, fail: Fail): string {
  if (typeof entry !== 'string' || !entry.startsWith('/') || entry.startsWith('//')) return fail(key, `must be a path prefix starting with "/", such as /api/*, got ${JSON.stringify(entry)}`)
  let prefix = entry.endsWith('/*') ? entry.slice(0, -2) : entry
  if (prefix.includes('*')) return fail(key, `${JSON.stringify(entry)} has a "*" that does not end the prefix (as in /api/*)`)
  for (const [char, why] of [['?', 'the query is not matched'], ['%', 'write the path decoded'], ['\\', 'a backslash is read differently by upstreams'], [';', 'path parameters are read differently by upstreams']] as const) {
    if (prefix.includes(char)) return fail(key, `${JSON.stringify(entry)} contains "${char}": ${why}`)
  }
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1)
  if (prefix.split('/').slice(1).some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return fail(key, `${JSON.stringify(entry)} has an empty or dot segment`)
  }
  return prefix
}

function allowlistOf (value: unknown, key: string, fail: Fail): SiteConfig['allowlist'] {
  return list(value, key, fail).map((entry, i) => {
    const raw = isObj(entry) ? entry : { cidr: entry }
    for (const name of Object.keys(raw)) if (name !== 'cidr' && name !== 'label') fail(`${key}[${i}].${name}`, 'is not a known setting (known: cidr, label)')
    if (typeof raw.cidr !== 'string') return fail(`${key}[${i}].cidr`, `must be a CIDR or an address, got ${JSON.stringify(raw.cidr)}`)
    if (raw.label !== undefined && typeof raw.label !== 'string') fail(`${key}[${i}].label`, `must be a string, got ${JSON.stringify(raw.label)}`)
    try {
      return { cidr: parseCidr(raw.cidr).text, label: (raw.label as string | undefined) ?? '' }
    } catch (err) {
      return fail(`${key}[${i}].cidr`, (err as Error).message)
    }
  })
}

function siteOf (entry: unknown, i: number, fail: Fail): SiteConfig {
  const key = `sites[${i}]`
  if (!isObj(entry)) return fail(key, `must be a mapping {name, hosts, paths?, upstream, dependsOn?, pages?, allowlist?}, got ${JSON.stringify(entry)}`)
  for (const name of Object.keys(entry)) if (!SITE_KEYS.includes(name)) fail(`${key}.${name}`, `is not a known setting (known: ${SITE_KEYS.join(', ')})`)
  const name = entry.name
  if (typeof name !== 'string' || !NODE_NAME.test(name) || name.length > 63) {
    return fail(`${key}.name`, `must be lower-case letters, digits and "-", starting with a letter or digit, at most 63 characters, got ${JSON.stringify(name)}`)
  }
  const hosts: string[] = []
  const wildcards: string[] = []
  list(entry.hosts, `${key}.hosts`, fail, true).forEach((host, j) => {
    const parsed = hostOf(host, `${key}.hosts[${j}]`, fail)
    const into = parsed.wildcard ? wildcards : hosts
    if (into.includes(parsed.host)) fail(`${key}.hosts[${j}]`, `${JSON.stringify(host)} is listed twice`)
    into.push(parsed.host)
  })
  const paths = list(entry.paths, `${key}.paths`, fail).map((path, j) => pathOf(path, `${key}.paths[${j}]`, fail))
  // a path of "/" (or "/*") is every path: the same as no paths
  const prefixes = paths.includes('') ? [] : [...new Set(paths)]
  if (entry.upstream === undefined) fail(`${key}.upstream`, 'is required: a URL such as http://127.0.0.1:3000, or {nodes: [...]}')
  const nodes = parseNodesConfig(entry.upstream, (sub, why) => fail(`${key}.${sub}`, why))
  const dependsOn = list(entry.dependsOn, `${key}.dependsOn`, fail).map((dep, j) => {
    if (typeof dep !== 'string') return fail(`${key}.dependsOn[${j}]`, `must be a site name, got ${JSON.stringify(dep)}`)
    return dep
  })
  if (name === DEFAULT_SITE && entry.allowlist !== undefined) fail(`${key}.allowlist`, 'the site "default" takes the top-level allowlist: list its entries there')
  const pages = entry.pages
  if (pages !== undefined && (typeof pages !== 'string' || pages === '')) fail(`${key}.pages`, `must be a directory of maintenance pages, got ${JSON.stringify(pages)}`)
  return {
    name,
    hosts,
    wildcards,
    paths: prefixes,
    nodes,
    dependsOn,
    ...(typeof pages === 'string' ? { pagesDir: pages } : {}),
    allowlist: allowlistOf(entry.allowlist, `${key}.allowlist`, fail)
  }
}

/** The first dependency cycle through `start`, as the names along it; null when there is none. */
function cycleFrom (start: string, depends: ReadonlyMap<string, readonly string[]>): string[] | null {
  const path: string[] = []
  const done = new Set<string>()
  function visit (name: string): string[] | null {
    const at = path.indexOf(name)
    if (at !== -1) return [...path.slice(at), name]
    if (done.has(name)) return null
    path.push(name)
    for (const next of depends.get(name) ?? []) {
      const found = visit(next)
      if (found !== null) return found
    }
    path.pop()
    done.add(name)
    return null
  }
  return visit(start)
}

/**
 * `sites:` in the configuration: null when absent (the one site is then
 * `default`, built from the top-level keys). Names are unique, each
 * host-and-path is claimed by one site, `dependsOn` names known sites and
 * forms no cycle. Every refusal names its key.
 */
export function parseSites (value: unknown, fail: Fail): SiteConfig[] | null {
  if (value === undefined || value === null) return null
  const entries = list(value, 'sites', fail, true)
  const sites = entries.map((entry, i) => siteOf(entry, i, fail))
  const names = new Map<string, number>()
  sites.forEach((site, i) => {
    const first = names.get(site.name)
    if (first !== undefined) fail(`sites[${i}].name`, `${JSON.stringify(site.name)} is already the name of sites[${first}]`)
    names.set(site.name, i)
  })
  const claimed = new Map<string, string>()
  sites.forEach((site, i) => {
    const patterns = [...site.hosts, ...site.wildcards.map((w) => `*.${w}`)]
    for (const host of patterns) {
      for (const path of site.paths.length === 0 ? ['/*'] : site.paths.map((p) => `${p}/*`)) {
        const claim = `${host}${path}`
        const owner = claimed.get(claim)
        if (owner !== undefined) fail(`sites[${i}].hosts`, `${claim} is already served by the site ${JSON.stringify(owner)}: each host and path belongs to one site`)
        claimed.set(claim, site.name)
      }
    }
  })
  const known = sites.map((site) => site.name).join(', ')
  sites.forEach((site, i) => {
    site.dependsOn.forEach((dep, j) => {
      if (!names.has(dep)) fail(`sites[${i}].dependsOn[${j}]`, `${JSON.stringify(dep)} is not a site (sites: ${known})`)
    })
  })
  const depends = new Map(sites.map((site) => [site.name, site.dependsOn]))
  sites.forEach((site, i) => {
    const cycle = cycleFrom(site.name, depends)
    if (cycle !== null) fail(`sites[${i}].dependsOn`, `${cycle.join(' → ')} is a cycle: a site cannot depend on itself, directly or through others`)
  })
  return sites
}
