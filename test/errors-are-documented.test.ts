import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { errors } from '../src/errors.js'

/** The maintenance answer has the error shape but is no error: its message is the operator's reason. */
const NOT_ERRORS = new Set(['GK_MAINTENANCE'])

const reference = readFileSync('docs/reference/errors.md', 'utf8')
const rows = new Map([...reference.matchAll(/^\| `(GK_\w+)` \| ([^|]*) \|/gm)].map((match) => [match[1] as string, match[2] as string]))

function sourceFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

t.test('every error code in the table is in the errors reference, and nothing else is', async (t) => {
  const codes = Object.keys(errors)
  for (const code of codes) t.ok(rows.has(code), `${code} is documented`)
  for (const code of rows.keys()) t.ok(codes.includes(code) || NOT_ERRORS.has(code), `${code} is in src/errors.ts`)
})

t.test('every entry has a fixed message template, and its status is the documented one', async (t) => {
  for (const [code, Construct] of Object.entries(errors)) {
    const err = new Construct()
    const template = err.message
    t.not(template.trim(), '%s', `${code}: not a bare '%s'`)
    // `field: problem` is the one template of punctuation alone: the field and the schema's own words fill it
    if (template !== '%s: %s') t.match(template.replace(/%s/g, ''), /[a-z]{3,}/i, `${code}: the template has words of its own: ${template}`)
    t.equal(err.code, code, `${code}: the constructor carries its code`)
    const status = (err as { statusCode?: number }).statusCode
    const documented = rows.get(code) ?? ''
    if (status === undefined) {
      t.notMatch(documented, /\b[45]\d\d\b/, `${code}: never sent over HTTP, and documented without a status`)
    } else {
      t.ok(status >= 400 && status <= 599, `${code}: an HTTP error status (${status})`)
      t.match(documented, new RegExp(`\\b${status}\\b`), `${code}: documented as ${status}`)
    }
  }
})

t.test('every code the source sends or prints is an entry of the table', async (t) => {
  const sent = new Set<string>()
  for (const file of sourceFiles('src')) {
    if (file.endsWith('errors.ts') && file.split('/').length === 2) continue
    // GK_ERR_… anywhere, and any other GK_ code a body is given as a literal (env names such as GK_REDIS_PASSWORD are not codes)
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/\b(GK_ERR_[A-Z_]*[A-Z])\b|code: '(GK_[A-Z_]+)'|errorBody\([^,]+, '(GK_[A-Z_]+)'/g)) sent.add((match[1] ?? match[2] ?? match[3]) as string)
  }
  for (const code of sent) {
    if (code === 'GK_ERR_') continue
    t.ok(code in errors || NOT_ERRORS.has(code), `${code} (used in src/) is in src/errors.ts`)
  }
})
