import { createHash } from 'node:crypto'
import { errors } from '../errors.js'

/** What a maintenance page is rendered from. */
export interface PageVars {
  reason: string
  /** ISO 8601, or '' when the window has no announced end */
  eta: string
  /** the expected end as text in UTC, for readers without JavaScript; '' when unknown */
  etaText: string
  /** seconds */
  retryAfter: number
  /** '/__gatekeeper/status' */
  statusPath: string
  /** seconds between reloads when JavaScript is off */
  refreshSeconds: number
}

/** A compiled page: renders it, and knows the headers that go with it. */
export interface RenderPage {
  (vars: PageVars): string
  /** header names and values, flat as Node writes them: the page's Content-Security-Policy and nosniff */
  readonly headers: readonly string[]
}

const GK_ERR_TEMPLATE = errors.GK_ERR_TEMPLATE

/**
 * How each placeholder is written out. `text` comes from the operator (the
 * reason) and is confined to places where escaping is enough; `number` and
 * `path` are produced by the gatekeeper; `json` is every variable at once for
 * the page's script, which must never have values spliced into its code.
 */
type Kind = 'text' | 'number' | 'path' | 'json'

const PLACEHOLDERS = new Map<string, Kind>([
  ['reason', 'text'],
  ['eta', 'text'],
  ['etaText', 'text'],
  ['retryAfter', 'number'],
  ['refreshSeconds', 'number'],
  ['statusPath', 'path'],
  ['json', 'json']
])

const KNOWN = [...PLACEHOLDERS.keys()].join(', ')

/** Attributes whose value is only ever shown as text, so an escaped operator string cannot act there. */
const TEXT_ATTRIBUTES = new Set(['title', 'alt', 'datetime', 'placeholder', 'value', 'label', 'summary', 'abbr'])

/** Attributes that are code or markup themselves: escaping does not make a value safe in them. */
const CODE_ATTRIBUTES = new Set(['style', 'srcdoc'])

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;'
}

const HTML_SPECIAL = /[&<>"'`]/g
const SCRIPT_SPECIAL = /[<>&\u2028\u2029]/g
const PLACEHOLDER_NAME = /^[A-Za-z][A-Za-z0-9]*$/
const TAG_NAME_START = /[A-Za-z]/
const WHITESPACE = /[\t\n\f\r ]/

export function escapeHtml (value: string): string {
  return value.replace(HTML_SPECIAL, (c) => HTML_ESCAPES[c] ?? c)
}

/** JSON that cannot end the element it sits in nor open a comment there. */
export function jsonForScript (value: unknown): string {
  return JSON.stringify(value).replace(SCRIPT_SPECIAL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

function wholeSeconds (value: number): string {
  return Number.isFinite(value) && value > 0 ? String(Math.ceil(value)) : '0'
}

function writerFor (name: string, kind: Kind): (vars: PageVars) => string {
  switch (kind) {
    case 'number':
      return (vars) => wholeSeconds(Number(vars[name as 'retryAfter' | 'refreshSeconds']))
    case 'json':
      return (vars) => jsonForScript({
        reason: String(vars.reason),
        eta: String(vars.eta),
        etaText: String(vars.etaText),
        retryAfter: Number(wholeSeconds(Number(vars.retryAfter))),
        statusPath: String(vars.statusPath),
        refreshSeconds: Number(wholeSeconds(Number(vars.refreshSeconds)))
      })
    default:
      return (vars) => escapeHtml(String(vars[name as 'reason' | 'eta' | 'etaText' | 'statusPath']))
  }
}

/**
 * Where in the markup the scanner stands. The states follow the HTML
 * tokenizer closely enough to tell text, quoted attribute values, tags and
 * the insides of <script> and <style> apart, which is all the checks need.
 */
type Where =
  | 'text' | 'comment' | 'declaration'
  | 'tag-name' | 'before-attribute' | 'attribute-name' | 'after-attribute-name'
  | 'before-value' | 'double-quoted' | 'single-quoted' | 'unquoted'
  | 'raw-text'

interface Scanner {
  where: Where
  tag: string
  closing: boolean
  attribute: string
  value: string
  type: string
  /** inside <script>, <style>: the element whose end tag ends the raw text */
  rawElement: string
  /** the raw text is a <script type="application/json"> data block */
  rawIsJson: boolean
  /** where the raw text began */
  rawStart: number
}

function lineAt (source: string, index: number): number {
  let line = 1
  for (let i = source.indexOf('\n'); i !== -1 && i < index; i = source.indexOf('\n', i + 1)) line++
  return line
}

/** Why a placeholder may not stand where it is, or undefined when it may. */
function misplaced (scanner: Scanner, name: string, kind: Kind, source: string, at: number): string | undefined {
  const placeholder = `{{${name}}}`
  switch (scanner.where) {
    case 'text':
      if (source[at - 1] === '<' || source.slice(at - 2, at) === '</') return `${placeholder} right after '<' would let its value make a tag`
      return kind === 'json' ? `${placeholder} may only stand inside <script type="application/json">` : undefined
    case 'comment':
    case 'declaration':
      return kind === 'json' ? `${placeholder} may only stand inside <script type="application/json">` : undefined
    case 'double-quoted':
    case 'single-quoted':
      return misplacedInAttribute(scanner, placeholder, kind)
    case 'raw-text':
      if (scanner.rawElement === 'script' && scanner.rawIsJson && kind === 'json') return undefined
      if (scanner.rawElement === 'script') {
        return `${placeholder} inside <script>: values never go into code; put {{json}} in a <script type="application/json" id="gk-data"> block and read them from it with JSON.parse`
      }
      return `${placeholder} inside <${scanner.rawElement}>: placeholders are not allowed there`
    default:
      return `${placeholder} is inside the <${scanner.tag || '…'}> tag but not in a quoted attribute value; write name="${placeholder}"`
  }
}

function misplacedInAttribute (scanner: Scanner, placeholder: string, kind: Kind): string | undefined {
  const attribute = scanner.attribute
  if (kind === 'json') return `${placeholder} may only stand inside <script type="application/json">, not in the ${attribute} attribute`
  if (scanner.tag === 'script' || scanner.tag === 'style') return `${placeholder} in an attribute of <${scanner.tag}>: placeholders are not allowed there`
  if (attribute.startsWith('on') || CODE_ATTRIBUTES.has(attribute)) return `${placeholder} in the ${attribute} attribute: its value would be run as code`
  if (kind === 'text' && !TEXT_ATTRIBUTES.has(attribute) && !attribute.startsWith('aria-') && !attribute.startsWith('data-')) {
    return `${placeholder} in the ${attribute} attribute: text values may go in page text and in the ${[...TEXT_ATTRIBUTES].join(', ')}, aria-* and data-* attributes only`
  }
  return undefined
}

function endOfTag (scanner: Scanner): void {
  const opensRawText = !scanner.closing && (scanner.tag === 'script' || scanner.tag === 'style')
  if (opensRawText) {
    scanner.where = 'raw-text'
    scanner.rawElement = scanner.tag
    scanner.rawIsJson = scanner.tag === 'script' && scanner.type.trim().toLowerCase() === 'application/json'
  } else {
    scanner.where = 'text'
  }
}

function endOfValue (scanner: Scanner): void {
  if (scanner.attribute === 'type') scanner.type = scanner.value
  scanner.value = ''
}

function startTag (scanner: Scanner, closing: boolean): void {
  scanner.where = 'tag-name'
  scanner.tag = ''
  scanner.closing = closing
  scanner.type = ''
  scanner.attribute = ''
  scanner.value = ''
}

/** Moves the scanner over one character of static markup; returns how many characters it consumed. */
function step (scanner: Scanner, source: string, i: number): number {
  const c = source[i] as string
  switch (scanner.where) {
    case 'text':
      if (c !== '<') return 1
      if (source.startsWith('<!--', i)) { scanner.where = 'comment'; return 4 }
      if (source[i + 1] === '!' || source[i + 1] === '?') { scanner.where = 'declaration'; return 2 }
      if (source[i + 1] === '/' && TAG_NAME_START.test(source[i + 2] ?? '')) { startTag(scanner, true); return 2 }
      if (TAG_NAME_START.test(source[i + 1] ?? '')) startTag(scanner, false)
      return 1
    case 'comment':
      if (source.startsWith('-->', i)) { scanner.where = 'text'; return 3 }
      return 1
    case 'declaration':
      if (c === '>') scanner.where = 'text'
      return 1
    case 'tag-name':
      if (c === '>') endOfTag(scanner)
      else if (WHITESPACE.test(c) || c === '/') scanner.where = 'before-attribute'
      else scanner.tag += c.toLowerCase()
      return 1
    case 'before-attribute':
    case 'after-attribute-name':
      if (c === '>') endOfTag(scanner)
      else if (c === '=' && scanner.where === 'after-attribute-name') scanner.where = 'before-value'
      else if (!WHITESPACE.test(c) && c !== '/') { scanner.where = 'attribute-name'; scanner.attribute = c.toLowerCase() }
      return 1
    case 'attribute-name':
      if (c === '>') endOfTag(scanner)
      else if (c === '=') scanner.where = 'before-value'
      else if (c === '/') scanner.where = 'before-attribute'
      else if (WHITESPACE.test(c)) scanner.where = 'after-attribute-name'
      else scanner.attribute += c.toLowerCase()
      return 1
    case 'before-value':
      if (c === '"') scanner.where = 'double-quoted'
      else if (c === "'") scanner.where = 'single-quoted'
      else if (c === '>') endOfTag(scanner)
      else if (!WHITESPACE.test(c)) { scanner.where = 'unquoted'; scanner.value = c }
      return 1
    case 'double-quoted':
    case 'single-quoted':
      if (c === (scanner.where === 'double-quoted' ? '"' : "'")) { endOfValue(scanner); scanner.where = 'before-attribute' } else scanner.value += c
      return 1
    case 'unquoted':
      if (c === '>') { endOfValue(scanner); endOfTag(scanner) } else if (WHITESPACE.test(c)) { endOfValue(scanner); scanner.where = 'before-attribute' } else scanner.value += c
      return 1
    case 'raw-text': {
      const end = '</' + scanner.rawElement
      const after = source[i + end.length] ?? '>'
      if (c === '<' && source.slice(i, i + end.length).toLowerCase() === end && (after === '>' || after === '/' || WHITESPACE.test(after))) {
        startTag(scanner, true)
        scanner.tag = scanner.rawElement
        scanner.where = 'before-attribute'
        return end.length
      }
      return 1
    }
  }
}

function sha256Source (text: string): string {
  // the browser hashes the element's text as parsed, and parsing turns every CR LF and lone CR into LF
  return `'sha256-${createHash('sha256').update(text.replace(/\r\n?/g, '\n'), 'utf8').digest('base64')}'`
}

/**
 * The page's policy: nothing from another origin, no inline code but the
 * page's own <script> and <style> elements (allowed by their hashes: they
 * hold no placeholder, so they are the same on every rendering), requests
 * only to this origin (the status poll), no framing. Style attributes and
 * inline event handlers are not allowed.
 */
function pageHeaders (scripts: readonly string[], styles: readonly string[]): readonly string[] {
  const hashes = (blocks: readonly string[]): string => [...new Set(blocks.map(sha256Source))].map((hash) => ' ' + hash).join('')
  const policy = [
    "default-src 'none'",
    `script-src 'self'${hashes(scripts)}`,
    `style-src 'self'${hashes(styles)}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "media-src 'self'",
    "manifest-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
  return Object.freeze(['content-security-policy', policy, 'x-content-type-options', 'nosniff'])
}

/**
 * Compiles a maintenance page template once, at start-up, into a function
 * that renders it. `{{name}}` is the only syntax; every value is escaped for
 * the place it stands, and places where escaping would not be enough (code,
 * tags, unquoted attributes) are refused here rather than at request time.
 */
export function compileTemplate (source: string, name: string): RenderPage {
  const fail = (at: number, problem: string): never => {
    throw new GK_ERR_TEMPLATE(name, lineAt(source, at), problem)
  }
  const parts: Array<string | ((vars: PageVars) => string)> = []
  const scanner: Scanner = {
    where: 'text',
    tag: '',
    closing: false,
    attribute: '',
    value: '',
    type: '',
    rawElement: '',
    rawIsJson: false,
    rawStart: 0
  }
  const scripts: string[] = []
  const styles: string[] = []
  let staticStart = 0
  let i = 0
  while (i < source.length) {
    if (!source.startsWith('{{', i)) {
      const inRawText = scanner.where === 'raw-text'
      const taken = step(scanner, source, i)
      if (!inRawText && scanner.where === 'raw-text') scanner.rawStart = i + taken
      if (inRawText && scanner.where !== 'raw-text' && !scanner.rawIsJson) {
        (scanner.rawElement === 'script' ? scripts : styles).push(source.slice(scanner.rawStart, i))
      }
      i += taken
      continue
    }
    if (source[i + 2] === '{') fail(i, 'raw output {{{…}}} is not supported; write {{name}}, which is escaped')
    const close = source.indexOf('}}', i + 2)
    const inner = close === -1 ? '' : source.slice(i + 2, close)
    if (close === -1 || /[{}\n]/.test(inner)) fail(i, "'{{' is not closed by '}}' on the same line")
    const placeholder = inner.trim()
    if (!PLACEHOLDER_NAME.test(placeholder)) fail(i, `{{${inner}}} is not a placeholder name; known: ${KNOWN}`)
    const kind = PLACEHOLDERS.get(placeholder)
    if (kind === undefined) fail(i, `unknown placeholder {{${placeholder}}}; known: ${KNOWN}`)
    const problem = misplaced(scanner, placeholder, kind as Kind, source, i)
    if (problem !== undefined) fail(i, problem)
    if (i > staticStart) parts.push(source.slice(staticStart, i))
    parts.push(writerFor(placeholder, kind as Kind))
    i = close + 2
    staticStart = i
  }
  if (staticStart < source.length) parts.push(source.slice(staticStart))

  const renderPage = (vars: PageVars): string => {
    let page = ''
    for (const part of parts) page += typeof part === 'string' ? part : part(vars)
    return page
  }
  return Object.assign(renderPage, { headers: pageHeaders(scripts, styles) })
}
