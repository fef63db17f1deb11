// No module of the library loads itself back through others: a circle of runtime imports makes the load order matter
// and ties files that should each have one job. The REST parsers and the message parser (once api-types.ts ↔
// protocol.ts) share no circle even through type-only imports.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** Relative imports of each file (with `types`, type-only ones too), resolved to files. */
function importGraph(files: string[], types: boolean): Map<string, string[]> {
  const known = new Set(files)
  return new Map(files.map((file) => {
    const statements = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b([^'"]*?)from\s+'(\.[^']+)'/gm)]
    const specifiers = statements.filter(m => types || !/^\s*type\b/.test(m[1]!)).map(m => m[2]!)
    const targets = specifiers.map(s => resolve(dirname(file), s)).flatMap(base => [`${base}.ts`, join(base, 'index.ts')].filter(p => known.has(p)).slice(0, 1))
    return [file, targets]
  }))
}

/** Every cycle found by depth-first search, as a list of repository paths. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const done = new Set<string>()
  const visit = (file: string, stack: string[]): void => {
    const at = stack.indexOf(file)
    if (at >= 0)
      return void found.push([...stack.slice(at), file].map(f => relative(ROOT, f)))
    if (done.has(file))
      return
    for (const next of graph.get(file) ?? []) visit(next, [...stack, file])
    done.add(file)
  }
  for (const file of graph.keys()) visit(file, [])
  return found
}

describe('import cycles', () => {
  it('finds a cycle when there is one (the scanner works)', () => {
    expect(cycles(new Map([['/a.ts', ['/b.ts']], ['/b.ts', ['/a.ts']]]))).toHaveLength(1)
  })

  const files = ['core', 'client', 'http', 'vue'].flatMap(dir => tsFiles(join(ROOT, 'src', dir)))

  it('there is no circle of runtime imports in src/core, src/client, src/http and src/vue', () => {
    expect(cycles(importGraph(files, false))).toEqual([])
  })

  it('the parsers of ComfyUI\'s answers and messages are in no circle, not even of type imports', () => {
    const parsers = ['api-types.ts', 'protocol.ts', 'json-checks.ts', 'history-parsers.ts', 'rest-parsers.ts', 'parse-result.ts'].map(f => `src/core/${f}`)
    expect(cycles(importGraph(files, true)).filter(c => c.some(f => parsers.includes(f)))).toEqual([])
  })
})
