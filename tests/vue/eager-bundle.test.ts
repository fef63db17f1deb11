// @vitest-environment node
import type { Rolldown } from 'vite'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildApp } from '../helpers/build-app'

// An app that imports comfyPlugin + useComfyStore, bundled by Vite for production as a user's app would be: what an
// app may never use, or uses only once a task exists, is in lazy chunks, not part of what the app loads at startup
// (issues #13 and #22): the workflow checks (UI-format conversion, validation against /object_info, templates), the
// server API's calls, the task runner (submit, cancel), placement's choice, the typed ComfyUI calls with their answer
// decoders and errors, the frame router with the binary preview decoder, the reconcile pass, resume() with its follow
// sockets, the server probes, uploadImage(), loadImage(), the duplicate-tab guard, the node info cache, the reader of a server's queue, the debug helpers (debugLock & co.) with their lock rules, the verdict of a history entry, task affinity's placement rules, a locked server's tether (its socket, polls and outage clock), the rules of socket frames (a task's messages and previews, its workflow's progress), the workflow views (ETAs, queue positions, normalized outputs) and the Vue layer's socket (vueuse's useWebSocket). A static import of any of them from the store's path brings them back into the eager code.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Modules that must stay out of the eager code. */
const LAZY = [
  /^src\/core\/ui-workflow\//,
  /^src\/core\/validate-workflow\.ts$/,
  /^src\/client\/workflow-checks\.ts$/,
  /^src\/client\/ui-template-fill\.ts$/,
  /^src\/client\/workflow-prepare\.ts$/,
  /^src\/core\/workflow-fill\.ts$/,
  /^src\/core\/rest-parsers\.ts$/,
  /^src\/http\/server-api-calls\.ts$/,
  /^src\/client\/(task-runner|cancel-task|workflow-source|place-tasks|health-refresh|reconcile-pass|resume|follow-socket-set|server-probes|upload-image|client-id-guard|frame-router|history-failure|node-info-cache|server-queue|server-tether|outage-clock|inspect-reads|engine-frames|background|resume-parts|follow-sockets|task-end-times|lock-release|task-result)\.ts$/,
  /^src\/http\/(comfy-api-calls|image-loader|server-get|to-comfy-error)\.ts$/,
  /^src\/vue\/(use-comfy-socket|vue-socket-open)\.ts$/,
  /^src\/core\/(task-parsers|jobs-parsers|history-parsers|validate-input|object-info|binary-frames|request-errors|placement|history-outcome|lock-checks|service-time)\.ts$/,
  /^src\/core\/(task-frames|workflow-progress|outputs)\.ts$/,
  /^src\/client\/workflow-insight\.ts$/,
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
  it('leaves what runs only on first use to lazy chunks', async () => {
    const { eager, lazy } = await bundle()
    // The engine's state, the stand-in of a tether and the restore of a reload are there at startup…
    for (const module of ['src/client/client.ts', 'src/client/load-server-tether.ts', 'src/core/task-state.ts', 'src/client/restore.ts'])
      expect(eager, module).toContain(module)
    expect(eager.filter(id => LAZY.some(pattern => pattern.test(id)))).toEqual([]) // …but none of the parts used later
    // They are still shipped, each behind a dynamic import().
    for (const module of ['src/core/ui-workflow/convert.ts', 'src/core/validate-workflow.ts', 'src/client/workflow-checks.ts', 'src/http/server-api-calls.ts', 'src/client/task-runner.ts', 'src/client/place-tasks.ts', 'src/http/comfy-api-calls.ts', 'src/client/reconcile-pass.ts', 'src/client/resume.ts', 'src/client/client-id-guard.ts', 'src/client/frame-router.ts', 'src/core/binary-frames.ts', 'src/client/node-info-cache.ts', 'src/client/server-queue.ts', 'src/client/server-tether.ts', 'src/client/outage-clock.ts', 'src/client/inspect-reads.ts', 'src/client/background.ts', 'src/core/lock-checks.ts', 'src/core/history-outcome.ts', 'src/vue/use-comfy-socket.ts', 'src/vue/vue-socket-open.ts', 'src/core/task-frames.ts', 'src/core/workflow-progress.ts', 'src/core/outputs.ts', 'src/client/workflow-insight.ts'])
      expect(lazy, module).toContain(module)
  })

  it('drops the explanations of errors and options from a production build, and keeps their codes and facts', async () => {
    const code = async (mode: 'production' | 'development'): Promise<string> => (await buildApp(mode)).map(chunk => chunk.code).join('\n')
    const production = await code('production')
    const development = await code('development')
    for (const kept of ['SERVER_MISMATCH', 'NO_SERVER_AVAILABLE', 'TASK_LOST', 'refused: it targets', 'is reachable'])
      expect(production, kept).toContain(kept)
    // The explanations, and the checks of what TypeScript's types already catch (a logger's methods, a strategy's name).
    const explanations = ['omit baseURL and let comfy-tether set it', '--enable-cors-header', 'Use an absolute http:// or https:// URL', 'did you mean', 'comfyPlugin takes either { client }', 'Install the plugin after Pinia', 'pass them as `token` or `headers`', 'with debug, info, warn and error functions']
    for (const explanation of explanations)
      expect(development, explanation).toContain(explanation) // written for development…
    for (const explanation of explanations)
      expect(production, explanation).not.toContain(explanation) // …and gone from production
  })
})
