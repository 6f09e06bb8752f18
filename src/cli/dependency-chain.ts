import type { AdminClient } from './client.js'
import { recordsOf, textOf } from './format.js'
import { renderFields } from './table.js'

/** One site as `GET /v1/sites` gives it: its name, its mode and the sites it depends on. */
export interface SiteSummary { name: string, mode: string, dependsOn: string[] }

/** The sites of `GET /v1/sites`, read leniently. */
export function siteSummaries (body: unknown): SiteSummary[] {
  return recordsOf(body).map((site) => ({
    name: textOf(site.name),
    mode: textOf(site.mode),
    dependsOn: Array.isArray(site.dependsOn) ? site.dependsOn.map(textOf) : []
  }))
}

/** The sites, or none when the gatekeeper cannot tell (an older one without `GET /v1/sites`). */
export async function readSiteSummaries (client: AdminClient): Promise<SiteSummary[]> {
  try {
    return siteSummaries((await client.call('GET', '/v1/sites')).body)
  } catch {
    return []
  }
}

function dependencyText (sites: SiteSummary[], site: SiteSummary): string {
  return site.dependsOn.map((dep) => `${dep} (${sites.find((other) => other.name === dep)?.mode ?? 'unknown'})`).join(', ')
}

/** "app1 → depends on app2 (closed), default (open)", one line per site that depends on others; '' when none does. */
export function renderChain (sites: SiteSummary[]): string {
  return sites.filter((site) => site.dependsOn.length > 0)
    .map((site) => `${site.name} → depends on ${dependencyText(sites, site)}\n`).join('')
}

/** For `status --site NAME`: what it depends on and which of those block opening it; '' for a site without dependencies. */
export function renderSiteDependencies (sites: SiteSummary[], name: string): string {
  const site = sites.find((one) => one.name === name)
  if (site === undefined || site.dependsOn.length === 0) return ''
  const blocking = site.dependsOn.filter((dep) => sites.find((other) => other.name === dep)?.mode === 'closed')
  return renderFields([
    ['depends on', dependencyText(sites, site)],
    ['blocks opening', blocking.length === 0 ? 'nothing' : `${blocking.join(', ')} (open ${blocking.length === 1 ? 'it' : 'them'} first, or open with --force)`]
  ])
}
