import { test } from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// Every static import or re-export between the files of src/ (type-only ones included; dynamic
// import() calls left out) must form a graph without a cycle, so the layers only point inward.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

function tsFiles (dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out.push(...tsFiles(full))
    else if (name.endsWith('.ts')) out.push(full)
  }
  return out
}

const staticSpecifier = /(?:^|[\n;])\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g

function localImports (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found: string[] = []
  for (const match of text.matchAll(staticSpecifier)) {
    const spec = match[1] ?? match[2]
    if (spec === undefined || !spec.startsWith('.')) continue
    found.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
  }
  return found
}

function findCycle (graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>()
  const onPath: string[] = []
  const onPathSet = new Set<string>()
  const visit = (node: string): string[] | undefined => {
    if (onPathSet.has(node)) return [...onPath.slice(onPath.indexOf(node)), node]
    if (done.has(node)) return undefined
    onPath.push(node)
    onPathSet.add(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle !== undefined) return cycle
    }
    onPath.pop()
    onPathSet.delete(node)
    done.add(node)
    return undefined
  }
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

test('the static imports between the files of src/ form no cycle', async (t) => {
  const files = tsFiles(src)
  const known = new Set(files)
  const graph = new Map<string, string[]>()
  const unresolved: string[] = []
  for (const file of files) {
    const targets = localImports(file)
    for (const target of targets) {
      if (!known.has(target)) unresolved.push(`${relative(root, file)} -> ${relative(root, target)}`)
    }
    graph.set(file, targets.filter((target) => known.has(target)))
  }
  t.same(unresolved, [], 'every relative import names a file of src/ (else the graph would miss arrows)')
  t.ok(files.length > 50, 'the walk saw the source files')
  const cycle = findCycle(graph)
  t.equal(cycle, undefined, cycle === undefined ? 'no cycle' : `import cycle: ${cycle.map((f) => relative(root, f)).join(' -> ')}`)
})
