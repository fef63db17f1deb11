// How many runtime values `comfy-tether/core` exports (issue #22: a reviewed list of at most 60: parsers, the URL model,
// errors, the reducer, workflow checks; no internals). Types cost nothing at runtime and are not counted. Counted on
// the loaded module, as a user's `import * as core from 'comfy-tether/core'` sees it; the baseline is every value the
// core's own modules export, of which the entry picks its list.
import type { BenchResult, Target } from './stats'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { round, verdictOf } from './stats'

const CORE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../src/core')
const ENTRY = join(CORE_DIR, 'index.ts')
/** The budget for the entry. */
const MAX_VALUES = 60

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

async function valueNames(file: string): Promise<string[]> {
  return Object.keys(await import(pathToFileURL(file).href) as Record<string, unknown>)
}

export async function benchCoreExports(): Promise<BenchResult> {
  const exported = (await valueNames(ENTRY)).sort()
  const modules = tsFiles(CORE_DIR).filter(file => file !== ENTRY)
  const available = new Set<string>()
  for (const file of modules) {
    for (const name of await valueNames(file)) available.add(name)
  }
  const target: Target = { op: '<=', value: MAX_VALUES, of: 'value', unit: 'values' }
  return {
    id: 'core-exports',
    name: 'comfy-tether/core: runtime values exported',
    measured: `${exported.length} values`,
    baseline: `${available.size} values exported by the ${modules.length} core modules`,
    ratio: round(exported.length / available.size),
    value: exported.length,
    target,
    verdict: verdictOf(exported.length, target),
    details: { entry: relative(join(CORE_DIR, '../..'), ENTRY), exported, available: available.size },
    notes: [`the verdict is on the count (≤ ${MAX_VALUES}); types are not counted; the list: ${exported.join(', ')}`],
  }
}
