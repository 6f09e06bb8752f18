import { readFileSync } from 'node:fs'
import t from 'tap'
import { errors } from '../src/errors.js'

t.test('every error code in the table is in the errors reference, and nothing else is', async (t) => {
  const documented = new Set([...readFileSync('docs/reference/errors.md', 'utf8').matchAll(/^\| `(GK_ERR_\w+)` \|/gm)].map((match) => match[1]))
  const codes = Object.keys(errors)
  for (const code of codes) t.ok(documented.has(code), `${code} is documented`)
  for (const code of documented) t.ok(codes.includes(code as string), `${code} is in src/errors.ts`)
})
