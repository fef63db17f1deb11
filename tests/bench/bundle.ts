// Bench: what an app ships. One run of vite's `build()` (rolldown) per entry, all with the same settings, in one child
// process: library mode, ES module, target es2022, oxc minifier, `process.env.NODE_ENV` = "production" (as an app's
// production build sets it), then gzip (zlib level 9) of the output. An entry's size is its eager code: the entry chunk
// and every chunk it imports statically (what an app loads at startup); its dynamic imports become lazy chunks, each
// listed with what it loads on, and the total of all chunks is in the notes. The entries are minimal app imports:
// - comfy-tether: `comfyPlugin` + `useComfyStore` (from src/index.ts), and the core-only entry (src/core/index.ts),
//   with its peers vue, pinia, axios and @vueuse/* external (the app has them anyway);
// - @saintno/comfyui-sdk 0.3.1: `ComfyApi`, `CallWrapper`, `PromptBuilder` (its README's run of a workflow);
// - @stable-canvas/comfyui-client 1.5.9: `Client`.
// Each peer has only what it declares as peerDependencies external: @saintno declares only `typescript` (not imported
// at runtime) and @stable-canvas none, so both are bundled whole with their dependencies (for @saintno, `ws` resolves
// to its browser stub). comfy-ui-client is Node-only (fs, pino, ws) and is left out.
import type { BenchResult } from './stats'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { round, verdictOf } from './stats'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const KB = 1024
/** Issue #22 ("Lighter at startup"): an app importing comfyPlugin + useComfyStore loads at most this at startup, min+gz. */
const TARGET_KB = 20
const TETHER_EXTERNAL = ['vue', 'pinia', 'axios', '@vueuse/*']

interface Entry {
  id: string
  name: string
  code: string
  external: string[]
}

const ENTRIES: Entry[] = [
  { id: 'app', name: 'comfy-tether comfyPlugin + useComfyStore', code: `export { comfyPlugin, useComfyStore } from ${JSON.stringify(join(ROOT, 'src/index.ts'))}\n`, external: TETHER_EXTERNAL },
  { id: 'core', name: 'comfy-tether/core (whole entry)', code: `export * from ${JSON.stringify(join(ROOT, 'src/core/index.ts'))}\n`, external: TETHER_EXTERNAL },
  { id: 'saintno', name: '@saintno/comfyui-sdk 0.3.1 ComfyApi + CallWrapper + PromptBuilder', code: `export { ComfyApi, CallWrapper, PromptBuilder } from '@saintno/comfyui-sdk'\n`, external: [] },
  { id: 'stable-canvas', name: '@stable-canvas/comfyui-client 1.5.9 Client', code: `export { Client } from '@stable-canvas/comfyui-client'\n`, external: [] },
]

// Run in a child process: vite sets process.env.NODE_ENV while building, which would switch Vue to its production
// build for the benches that follow. One process builds every entry with the same config.
const BUILD_ALL = `
import { gzipSync } from 'node:zlib'
const { build } = await import('vite')
const entries = JSON.parse(process.argv[1])
const results = {}
for (const entry of entries) {
  const external = entry.external.map(source => new RegExp(source))
  const out = await build({ configFile: false, logLevel: 'warn', root: process.cwd(),
    define: { 'process.env.NODE_ENV': '"production"' },
    build: { write: false, target: 'es2022', minify: 'oxc',
      lib: { entry: { app: entry.file }, formats: ['es'] },
      rolldownOptions: { external: [...external, /^node:/] } } })
  const chunks = (Array.isArray(out) ? out : [out]).flatMap(o => o.output).filter(c => c.type === 'chunk')
  const byName = new Map(chunks.map(c => [c.fileName, c]))
  // Eager: the entry and every chunk it imports statically (what the app loads at startup); lazy: the rest.
  const eager = new Set()
  const visit = (name) => {
    if (eager.has(name) || !byName.has(name)) return
    eager.add(name)
    for (const next of byName.get(name).imports) visit(next)
  }
  for (const c of chunks) if (c.isEntry) visit(c.fileName)
  const gzip = list => gzipSync(list.map(c => c.code).join('\\n'), { level: 9 }).length
  const modulesOf = list => list.flatMap(c => Object.entries(c.modules)).map(([id, m]) => ({ id, renderedLength: m.renderedLength })).filter(m => m.renderedLength > 0).sort((a, b) => b.renderedLength - a.renderedLength)
  const eagerChunks = chunks.filter(c => eager.has(c.fileName))
  const lazy = chunks.filter(c => !eager.has(c.fileName)).map(c => ({ file: c.fileName, facade: c.facadeModuleId, dynamicEntry: c.isDynamicEntry, bytes: Buffer.byteLength(c.code), gzip: gzip([c]), modules: modulesOf([c]).slice(0, 4) }))
  const code = eagerChunks.map(c => c.code).join('\\n')
  const imports = [...new Set(eagerChunks.flatMap(c => c.imports))].filter(i => !byName.has(i))
  results[entry.id] = { bytes: Buffer.byteLength(code), gzip: gzip(eagerChunks), totalGzip: gzip(chunks), imports, modules: modulesOf(eagerChunks).slice(0, process.env.ALL_MODULES ? 999 : 6), lazy }
}
console.log(JSON.stringify(results))
`

interface Module {
  id: string
  renderedLength: number
}

/** A chunk the app loads only when it needs it (a dynamic `import()`), or one shared by such chunks only. */
interface LazyChunk {
  file: string
  /** The module the chunk is the dynamic import of (`null` for a chunk shared by lazy chunks). */
  facade: string | null
  dynamicEntry: boolean
  bytes: number
  gzip: number
  modules: Module[]
}

interface Built {
  /** The eager code: the entry chunk and every chunk it imports statically, what an app loads at startup. */
  bytes: number
  gzip: number
  /** Every chunk, lazy ones included, gzipped together. */
  totalGzip: number
  imports: string[]
  modules: Module[]
  lazy: LazyChunk[]
}

/** When comfy-tether's lazy chunks load, by the module each is the dynamic import of. */
const LOADS_ON: Record<string, string> = {
  'src/client/workflow-checks.ts': 'the first submit() (template filling, UI-format conversion, validation, capability checks) or canRunOn()',
  'src/http/server-api-calls.ts': 'the first server API call (node info for a submit\'s checks, objectInfo(), useComfyServerApi(): models, jobs, system stats, …)',
  'src/client/background.ts': 'client creation, in the background, one chunk (submit and cancel, health checks and server choice, the frames of a tethered server, the duplicate-tab guard, the node info cache and queue reader, the debug helpers, a locked server\'s socket, polls and outage clock; each has a stand-in until it is there)',
  'src/http/comfy-api-calls.ts': 'client creation, in the background (the typed ComfyUI calls and their answer decoders)',
  'src/vue/vue-socket-open.ts': 'client creation by the plugin, in the background (the Vue layer\'s socket, vueuse\'s useWebSocket; a stand-in until it is there)',
  'src/client/reconcile-pass.ts': 'the first reconcile pass',
  'src/client/server-probes.ts': 'the first probe of a tethered server whose socket failed',
  'src/client/resume-parts.ts': 'the first resume() (following a prompt another process sent; the socket of its clientId if that sender is gone)',
  'src/client/upload-image.ts': 'the first uploadImage()',
  'src/http/image-loader.ts': 'the first loadImage()',
}

function loadsOn(chunk: LazyChunk): string {
  if (!chunk.facade)
    return 'with the lazy chunks that share it'
  return LOADS_ON[chunk.facade] ?? 'its dynamic import()'
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function buildAll(dir: string): Record<string, Built> {
  const entries = ENTRIES.map((entry) => {
    const file = join(dir, `${entry.id}.js`)
    writeFileSync(file, entry.code)
    // '@vueuse/*' is every module under @vueuse/; other names match exactly.
    const external = entry.external.map(e => e.endsWith('/*') ? `^${escapeRegExp(e.slice(0, -1))}` : `^${escapeRegExp(e)}$`)
    return { id: entry.id, file, external }
  })
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', BUILD_ALL, JSON.stringify(entries)], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 })
  const line = run.stdout.trim().split('\n').pop() ?? ''
  if (run.status !== 0 || !line.startsWith('{'))
    throw new Error(`bundle build failed (src may be mid-edit): ${(run.stderr || run.stdout).trim().split('\n').find(l => /error/i.test(l)) ?? (run.stderr || run.stdout).trim().split('\n')[0]}`)
  const results = JSON.parse(line) as Record<string, Built>
  const rel = (m: Module): Module => ({ ...m, id: relative(ROOT, m.id) })
  for (const built of Object.values(results)) {
    built.modules = built.modules.map(rel)
    built.lazy = built.lazy.map(c => ({ ...c, facade: c.facade && relative(ROOT, c.facade), modules: c.modules.map(rel) }))
  }
  return results
}

const kb = (b: Built): string => `${(b.gzip / KB).toFixed(2)} KB`
const kbOf = (bytes: number): string => `${(bytes / KB).toFixed(2)} KB`
/** The eager size, and the total when lazy chunks add to it. */
const sizes = (b: Built): string => (b.lazy.length ? `${kb(b)} eager (${kbOf(b.totalGzip)} with its ${b.lazy.length} lazy chunk${b.lazy.length === 1 ? '' : 's'})` : kb(b))

export function benchBundle(): BenchResult[] {
  // Inside the repository (git-ignored), so that the entries resolve the peers from its node_modules.
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true })
  const dir = mkdtempSync(join(ROOT, 'bench-results', 'bundle-'))
  try {
    const built = buildAll(dir)
    const [app, core, saintno, canvas] = ['app', 'core', 'saintno', 'stable-canvas'].map(id => built[id]!)
    const peers = `@saintno/comfyui-sdk ${sizes(saintno!)}, @stable-canvas ${sizes(canvas!)} (same build)`
    const details = { kb: KB, settings: 'vite build(), lib ES, target es2022, minify oxc, NODE_ENV production, gzip -9', entries: Object.fromEntries(ENTRIES.map(e => [e.id, { name: e.name, external: e.external, ...built[e.id] }])) }
    const largest = (b: Built): string => b.modules.slice(0, 4).map(m => `${m.id} ${m.renderedLength}`).join(', ')
    const lazyChunks = (b: Built): string => b.lazy.map(c => `${c.facade ?? c.file} ${kbOf(c.gzip)} (${c.modules.slice(0, 3).map(m => m.id.replace(/^src\//, '')).join(', ')}…), loaded on ${loadsOn(c)}`).join('; ')
    const appKb = app!.gzip / KB
    const target = { op: '<=' as const, value: TARGET_KB, of: 'value' as const, unit: 'KB min+gz' }
    return [
      {
        id: 'bundle-app',
        name: 'bundle: app imports comfyPlugin + useComfyStore, eager code min+gz (issue #22: ≤ 20 KB)',
        measured: sizes(app!),
        baseline: peers,
        ratio: round(app!.gzip / saintno!.gzip),
        value: round(appKb, 2),
        target,
        verdict: verdictOf(appKb, target),
        details,
        notes: [
          `the size and the verdict are of the eager code (the entry chunk and the chunks it imports statically: what the app loads at startup); all chunks together, lazy ones included, are ${kbOf(app!.totalGzip)}`,
          `lazy chunks: ${lazyChunks(app!) || 'none'}`,
          `ratio = comfy-tether ÷ @saintno/comfyui-sdk (ComfyApi + CallWrapper + PromptBuilder); ÷ @stable-canvas/comfyui-client (Client) it is ${(app!.gzip / canvas!.gzip).toFixed(2)}; the verdict is on the size (≤ ${TARGET_KB} KB, 1 KB = 1024 B)`,
          `same vite build() settings for every entry: lib ES, es2022, oxc minifier, NODE_ENV production; external: comfy-tether ${TETHER_EXTERNAL.join(', ')} (its peers); the SDKs only what they declare as peers (nothing they import), so they are bundled with their dependencies`,
          `largest modules of the app's eager code (rendered chars): ${largest(app!)}`,
        ],
      },
      {
        id: 'bundle-core',
        name: 'bundle: comfy-tether/core entry (all of it), min+gz',
        measured: sizes(core!),
        baseline: peers,
        ratio: round(core!.gzip / saintno!.gzip),
        target: null,
        verdict: 'info',
        details: { entry: 'src/core/index.ts' },
        notes: [`ratio = core ÷ @saintno/comfyui-sdk; largest modules: ${largest(core!)}`],
      },
    ]
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
