// @vitest-environment node
import type { Rolldown } from 'vite'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildApp } from '../helpers/build-app'

// An app that imports comfyPlugin + useComfyStore, bundled by Vite for production as a user's app would be: the code
// that needs a server's /object_info (UI-format conversion, validation, capability checks), template filling and the server API's
// calls beyond objectInfo are lazy chunks, loaded on the first submit or call, not part of what the app loads at
// startup (issue #13). A static import of any of them from the store's path brings them back into the eager code.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Modules that must stay out of the eager code (the UI-format shape check `detect.ts` is tiny and stays eager). */
const LAZY = [
  /^src\/core\/ui-workflow\/(?!detect\.ts$|types\.ts$)/,
  /^src\/core\/validate-workflow\.ts$/,
  /^src\/client\/workflow-checks\.ts$/,
  /^src\/client\/ui-template-fill\.ts$/,
  /^src\/client\/workflow-prepare\.ts$/,
  /^src\/core\/workflow-fill\.ts$/,
  /^src\/core\/rest-parsers\.ts$/,
  /^src\/http\/server-api-calls\.ts$/,
]

interface Split {
  /** Modules with code in the entry chunk or a chunk it imports statically. */
  eager: string[]
  /** Modules with code in the other chunks (dynamic imports). */
  lazy: string[]
}

async function bundle(): Promise<Split> {
  const chunks = await buildApp('production')
  const byName = new Map(chunks.map(c => [c.fileName, c]))
  const eager = new Set<string>()
  const visit = (name: string): void => {
    const chunk = byName.get(name)
    if (!chunk || eager.has(name))
      return
    eager.add(name)
    chunk.imports.forEach(visit)
  }
  chunks.filter(c => c.isEntry).forEach(c => visit(c.fileName))
  const modulesOf = (list: Rolldown.OutputChunk[]): string[] => list.flatMap(c => Object.entries(c.modules))
    .filter(([, m]) => m.renderedLength > 0)
    .map(([id]) => relative(ROOT, id))
  return { eager: modulesOf(chunks.filter(c => eager.has(c.fileName))), lazy: modulesOf(chunks.filter(c => !eager.has(c.fileName))) }
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('what an app loads at startup', () => {
  it('leaves the workflow checks and the rest of the server API to lazy chunks', async () => {
    const { eager, lazy } = await bundle()
    expect(eager).toContain('src/client/task-runner.ts') // the engine is there…
    expect(eager).toContain('src/core/ui-workflow/detect.ts') // …with the sync check of the UI format…
    expect(eager.filter(id => LAZY.some(pattern => pattern.test(id)))).toEqual([]) // …but none of the heavy parts
    // They are still shipped, each behind a dynamic import().
    for (const module of ['src/core/ui-workflow/convert.ts', 'src/core/ui-workflow/group-nodes.ts', 'src/core/validate-workflow.ts', 'src/client/workflow-checks.ts', 'src/http/server-api-calls.ts', 'src/core/rest-parsers.ts'])
      expect(lazy, module).toContain(module)
  })
})
