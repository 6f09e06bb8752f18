import { normalHost } from '../gate/host.js'
import { canonicalPath } from '../gate/path.js'
import type { SiteConfig } from './config.js'

/** One host's claim: a path prefix ('' for every path) and the site that owns it. */
interface Route { prefix: string, site: string }

/** The sites compiled for the request path: one lookup by host, then a few prefix checks. */
export interface SiteTable {
  readonly exact: ReadonlyMap<string, readonly Route[]>
  /** keyed by the name after `*.` */
  readonly wildcard: ReadonlyMap<string, readonly Route[]>
}

function add (into: Map<string, Route[]>, host: string, site: SiteConfig): void {
  const routes = into.get(host) ?? []
  if (site.paths.length === 0) routes.push({ prefix: '', site: site.name })
  for (const prefix of site.paths) routes.push({ prefix, site: site.name })
  // longest prefix first, so the first match is the most specific one
  routes.sort((a, b) => b.prefix.length - a.prefix.length)
  into.set(host, routes)
}

/** Compiled once per configuration. */
export function compileSiteTable (sites: readonly SiteConfig[]): SiteTable {
  const exact = new Map<string, Route[]>()
  const wildcard = new Map<string, Route[]>()
  for (const site of sites) {
    for (const host of site.hosts) add(exact, host, site)
    for (const suffix of site.wildcards) add(wildcard, suffix, site)
  }
  return { exact, wildcard }
}

/**
 * The host of a Host header as the configuration names hosts: lower case,
 * without the port or a trailing dot; an IPv6 literal in canonical form.
 */
export function hostOfHeader (header: string | undefined): string | null {
  if (header === undefined || header === '') return null
  if (header.charCodeAt(0) === 91 /* [ */) {
    const end = header.indexOf(']')
    return end === -1 ? null : normalHost(header.slice(1, end))
  }
  const colon = header.lastIndexOf(':')
  let host = colon === -1 ? header : header.slice(0, colon)
  if (host.endsWith('.')) host = host.slice(0, -1)
  return host.toLowerCase()
}

/** A host's site for the path; the path is read (once) only when the host has path prefixes. */
function matching (routes: readonly Route[] | undefined, rawUrl: string): string | null {
  if (routes === undefined) return null
  let path: string | null | undefined
  for (const route of routes) {
    if (route.prefix === '') return route.site
    if (path === undefined) path = canonicalPath(rawUrl)
    // an ambiguous path (null) is never routed by its prefix: it goes to the host's catch-all site, or nowhere
    if (path === null) continue
    if (path.startsWith(route.prefix) && (path.length === route.prefix.length || path.charCodeAt(route.prefix.length) === 47 /* / */)) return route.site
  }
  return null
}

/**
 * The site a request is for, or null (Gatekeeper's 404): the host's exact
 * entries first, then its `*.` wildcard (one label more, exactly); within
 * the host, the longest path prefix that holds the request's path. Paths
 * are compared as the upstream will route them (percent-decoded, see
 * canonicalPath); a target without such a path reaches only a site that
 * takes every path of its host. Pure.
 */
export function chooseSite (table: SiteTable, hostHeader: string | undefined, rawUrl: string): string | null {
  const host = hostOfHeader(hostHeader)
  if (host === null) return null
  const exact = matching(table.exact.get(host), rawUrl)
  if (exact !== null) return exact
  const dot = host.indexOf('.')
  if (dot <= 0) return null
  return matching(table.wildcard.get(host.slice(dot + 1)), rawUrl)
}
