import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { compileTemplate, type RenderPage } from './template.js'

export interface Pages {
  /** the page for a request's Host header; never throws */
  forHost (host: string | undefined): RenderPage
  /** what was wrong with the templates, for the start-up log */
  problems: string[]
}

/** Kept deliberately plain: it is what the public sees when the sysadmin's own page cannot be used. */
const BUILT_IN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{{refreshSeconds}}">
<title>Down for maintenance</title>
<style>body{font:1.125rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}time:empty::before{content:"not announced yet"}</style>
</head>
<body>
<main>
<h1>Down for maintenance</h1>
<p>{{reason}}</p>
<p>Expected back: <time datetime="{{eta}}">{{etaText}}</time></p>
<p>You will be let in automatically: this page checks again every {{refreshSeconds}} seconds.</p>
</main>
</body>
</html>
`

const builtInPage = compileTemplate(BUILT_IN_PAGE, 'the built-in page')

/** A sysadmin's page is a document, not a bundle: anything larger is a mistake worth reporting. */
const LARGEST_TEMPLATE = 1024 * 1024

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

/** The Host header as a template key: lower case, without port or trailing dot; '' for an IPv6 literal. */
function hostKey (host: string): string {
  if (host.startsWith('[')) return ''
  const colon = host.indexOf(':')
  let name = colon === -1 ? host : host.slice(0, colon)
  if (name.endsWith('.')) name = name.slice(0, -1)
  return name.toLowerCase()
}

function compileFile (path: string): RenderPage {
  const size = statSync(path).size
  if (size > LARGEST_TEMPLATE) throw new Error(`${path} is ${size} bytes; a template may be at most ${LARGEST_TEMPLATE}`)
  return compileTemplate(readFileSync(path, 'utf8'), path)
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Loads `<dir>/default.html` and the per-host `<dir>/<host>.html` templates
 * once, at start-up. Whatever is broken is reported in `problems` and replaced
 * by the default page (or, for the default itself, by a built-in page), so a
 * bad template can never turn a maintenance response into an error.
 */
export function loadPages (dir: string): Pages {
  const problems: string[] = []
  let files: string[]
  try {
    files = readdirSync(dir).sort()
  } catch (err) {
    problems.push(`cannot read the maintenance pages directory: ${messageOf(err)}; serving the built-in page`)
    return { forHost: () => builtInPage, problems }
  }

  let defaultPage = builtInPage
  if (!files.includes('default.html')) {
    problems.push(`${join(dir, 'default.html')} is missing; serving the built-in page`)
  } else {
    try {
      defaultPage = compileFile(join(dir, 'default.html'))
    } catch (err) {
      problems.push(`${messageOf(err)}; serving the built-in page instead`)
    }
  }

  const byHost = new Map<string, RenderPage>()
  for (const file of files) {
    if (!file.endsWith('.html') || file === 'default.html' || file.startsWith('.')) continue
    const path = join(dir, file)
    const host = file.slice(0, -'.html'.length).toLowerCase()
    if (!HOST_NAME.test(host)) {
      problems.push(`ignored ${path}: "${file.slice(0, -'.html'.length)}" is not a host name`)
      continue
    }
    if (byHost.has(host)) {
      problems.push(`ignored ${path}: another file already holds the page for ${host}`)
      continue
    }
    try {
      byHost.set(host, compileFile(path))
    } catch (err) {
      problems.push(`${messageOf(err)}; serving the default page for ${host} instead`)
    }
  }

  return {
    forHost (host) {
      if (host === undefined || byHost.size === 0) return defaultPage
      return byHost.get(hostKey(host)) ?? defaultPage
    },
    problems
  }
}
