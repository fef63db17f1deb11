// The package as published, checked as its users meet it: `npm pack` on a fresh clone (prepack builds it), the
// tarball's file list, `publint` and `attw --profile esm-only` on the tarball, every entry type-checked from a consumer
// project under `nodenext` and `bundler` with `skipLibCheck: false`, and `comfy-tether/client` run in a Node backend
// whose node_modules has axios and ws but no Vue, Pinia or vueuse.
import type { ComfySimulator } from 'comfy-tether/testing'
import type { Packed } from './packed'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createComfySimulator } from 'comfy-tether/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consumerProject, packFreshClone, REPO_MODULES, ROOT, runAsync, runBin } from './packed'

/** The entries of package.json's `exports`, each with the JS and declaration files it names. */
const ENTRIES = [
  { name: 'comfy-tether', js: 'dist/index.js', types: 'dist/types/index.d.ts' },
  { name: 'comfy-tether/core', js: 'dist/core.js', types: 'dist/types/core/index.d.ts' },
  { name: 'comfy-tether/client', js: 'dist/client.js', types: 'dist/types/client/index.d.ts' },
  { name: 'comfy-tether/bullmq', js: 'dist/bullmq.js', types: 'dist/types/bullmq/index.d.ts' },
  { name: 'comfy-tether/testing', js: 'dist/testing.js', types: 'dist/types/testing/index.d.ts' },
]

/** A user's module importing every entry. Each `@ts-expect-error` is an error only if the types are real, not `any`. */
const CONSUMER_SOURCE = `
import type { ComfyWorkflow } from 'comfy-tether'
import { comfyPlugin, isComfyTetherError, useComfyStore } from 'comfy-tether'
import type { ComfyClient } from 'comfy-tether/client'
import { createComfyClient } from 'comfy-tether/client'
import type { ComfyJobData, ComfyJobResult } from 'comfy-tether/bullmq'
import { COMFY_WORKER_DEFAULTS } from 'comfy-tether/bullmq'
import { normalizeServerUrl, parseBinaryFrame } from 'comfy-tether/core'
import type { ComfySimulator } from 'comfy-tether/testing'
import { createComfySimulator } from 'comfy-tether/testing'
import { createPinia } from 'pinia'
import { createApp } from 'vue'

const workflow: ComfyWorkflow = { 1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } } }
createApp({ setup: () => ({ store: useComfyStore() }) }).use(createPinia()).use(comfyPlugin, { servers: ['http://127.0.0.1:8188'] })
export const client: ComfyClient = createComfyClient({ servers: [normalizeServerUrl('http://127.0.0.1:8188')] })
export async function run(): Promise<string[]> {
  const sim: ComfySimulator = await createComfySimulator({ speed: 20 })
  const { result } = await client.submit(workflow)
  await sim.close()
  return (await result).imageUrls
}
export const frame = parseBinaryFrame(new Uint8Array(8))
export const jobData: ComfyJobData = { workflow }
export const stalledAfter: number = COMFY_WORKER_DEFAULTS.lockDuration
export const promptIdOf = (r: ComfyJobResult): string => r.promptId
export const failed = (error: unknown): string | undefined => (isComfyTetherError(error) ? error.code : undefined)

// @ts-expect-error createComfyClient takes options, not a number
createComfyClient(1)
// @ts-expect-error a ComfyClient has no such method
client.notAMethod()
// @ts-expect-error parseBinaryFrame takes the frame's bytes
parseBinaryFrame('frame')
// @ts-expect-error createComfySimulator returns a promise of a simulator
export const notASimulator: string = createComfySimulator()
// @ts-expect-error a job's data holds a workflow, not a string
export const badJob: ComfyJobData = { workflow: 'x' }
// @ts-expect-error useComfyStore returns the store
export const notAStore: number = useComfyStore()
`

/** A Node backend's module: the engine and the core, no Vue, checked without the DOM's types. */
const BACKEND_SOURCE = `
import WebSocket from 'ws'
import type { ComfyWorkflow } from 'comfy-tether/client'
import { createComfyClient, isComfyTetherError } from 'comfy-tether/client'
import { normalizeServerUrl } from 'comfy-tether/core'

const workflow: ComfyWorkflow = { 1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } } }
const client = createComfyClient({ servers: [normalizeServerUrl('http://127.0.0.1:8188')], WebSocket, logger: false })
export async function run(): Promise<string[]> {
  try {
    const { result } = await client.submit(workflow)
    return (await result).imageUrls
  }
  catch (error) {
    throw new Error(isComfyTetherError(error) ? error.code : String(error))
  }
  finally {
    client.dispose()
  }
}
// @ts-expect-error createComfyClient takes options, not a number
createComfyClient(1)
`

/** What the Node backend runs (as plain JavaScript): a task on the simulator whose URL it is given. */
const BACKEND_SCRIPT = `
import WebSocket from 'ws'
import { createComfyClient } from 'comfy-tether/client'
import { isComfyTetherError } from 'comfy-tether/core'

const vue = await import('vue').then(() => 'resolvable', () => 'not resolvable')
const client = createComfyClient({ servers: [process.argv[2]], WebSocket, logger: false, persist: false })
const workflow = {
  1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0x336699 } },
  2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'backend' } },
}
try {
  const { result } = await client.submit(workflow)
  const { server, imageUrls } = await result
  console.log(JSON.stringify({ vue, server, images: imageUrls.length }))
}
catch (error) {
  console.log(JSON.stringify({ vue, error: isComfyTetherError(error) ? error.code : String(error) }))
}
finally {
  client.dispose()
}
`

/** The README's recipe for testing a component with the simulator: its component, its test, its vitest.config.ts. */
const RECIPE = ['Generate.vue', 'Generate.test.ts', 'vitest.config.ts']
/** What the recipe says to install next to the app's own vue and pinia. */
const RECIPE_DEPS = ['vue', 'pinia', '@vueuse/core', 'axios', 'vitest', 'happy-dom', '@vue/test-utils', '@vitejs/plugin-vue', 'ws', 'pngjs']

/** Peers and type packages of a Vue app that also tests with the simulator. */
const APP_DEPS = ['vue', 'pinia', '@vueuse/core', '@vue/devtools-api', 'axios', 'ws', 'pngjs', '@types/node', '@types/ws', '@types/pngjs']
/** A Node backend: the engine's one required peer, the socket, and Node's types. */
const BACKEND_DEPS = ['axios', 'ws', '@types/node', '@types/ws']

const STRICT = { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, verbatimModuleSyntax: true, types: ['node'] }

/** Type-checks `source` in a consumer project; returns tsc's diagnostics (empty when it compiles). */
function typecheck(project: string, compilerOptions: Record<string, unknown>, source: string): string {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  writeFileSync(join(project, 'consumer.ts'), source)
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...STRICT, ...compilerOptions }, files: ['consumer.ts'] }))
  const result = runBin('typescript/bin/tsc', ['-p', 'tsconfig.json', '--pretty', 'false'], project)
  return result.status === 0 ? '' : result.output || `tsc exited with ${result.status}`
}

let packed: Packed
beforeAll(() => {
  packed = packFreshClone()
})
afterAll(() => packed?.cleanup())

describe('npm pack on a fresh clone', () => {
  it('builds the package and ships its JS, declarations, README, LICENSE and package.json', () => {
    for (const entry of ENTRIES)
      expect(packed.files, entry.name).toEqual(expect.arrayContaining([entry.js, entry.types]))
    expect(packed.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']))
    expect(packed.files.filter(file => !/^dist\/(?:types\/)?[\w/.-]+\.(?:js|d\.ts)$/.test(file))).toEqual(['LICENSE', 'README.md', 'package.json'])
  })

  it('ships no source maps and no declarations of internal modules', () => {
    expect(packed.files.filter(file => file.endsWith('.map'))).toEqual([])
    expect(packed.files).not.toContain('dist/types/testing/shape-compare.d.ts')
    expect(packed.files).not.toContain('dist/types/testing/order-compare.d.ts')
  })

  it('declares MIT with the licence text, ESM only, and Vue, Pinia, vueuse and bullmq as optional peers', () => {
    const pkg = JSON.parse(readFileSync(join(consumerProject(packed, 'manifest', []), 'node_modules', 'comfy-tether', 'package.json'), 'utf8')) as {
      license: string
      type: string
      peerDependencies: Record<string, string>
      peerDependenciesMeta: Record<string, { optional?: boolean }>
    }
    expect(pkg.license).toBe('MIT')
    expect(pkg.type).toBe('module')
    const optional = Object.keys(pkg.peerDependencies).filter(name => pkg.peerDependenciesMeta[name]?.optional === true).sort()
    expect(optional).toEqual(['@vue/devtools-api', '@vueuse/core', 'bullmq', 'pinia', 'pngjs', 'vue', 'ws'])
    expect(Object.keys(pkg.peerDependencies).filter(name => !optional.includes(name))).toEqual(['axios'])
  })

  it('passes publint', () => {
    const lint = runBin('publint/src/cli.js', ['run', packed.tarball, '--strict'], packed.dir)
    expect(lint.output).toContain('All good!')
    expect(lint.status).toBe(0)
  })

  it('passes attw --profile esm-only: every entry resolves under node16 and bundler', () => {
    const attw = runBin('@arethetypeswrong/cli/dist/index.js', [packed.tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'table-flipped', '--no-color'], packed.dir)
    expect(attw.status, attw.output).toBe(0)
  })
})

describe('a consumer project with the tarball installed', () => {
  it('type-checks every entry under module/moduleResolution nodenext, skipLibCheck false', () => {
    const project = consumerProject(packed, 'nodenext', APP_DEPS)
    expect(typecheck(project, { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM', 'DOM.Iterable'] }, CONSUMER_SOURCE)).toBe('')
  })

  it('type-checks every entry under moduleResolution bundler, skipLibCheck false', () => {
    const project = consumerProject(packed, 'bundler', APP_DEPS)
    expect(typecheck(project, { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'] }, CONSUMER_SOURCE)).toBe('')
  })

  it('type-checks a Node backend of the client and core with neither Vue installed nor the DOM\'s types', () => {
    const project = consumerProject(packed, 'backend-types', BACKEND_DEPS)
    expect(typecheck(project, { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'] }, BACKEND_SOURCE)).toBe('')
  })
})

describe('a Node backend with only axios and ws installed', () => {
  let sim: ComfySimulator | undefined
  afterAll(() => sim?.close())

  it('loads comfy-tether/client and runs a task, with no Vue, Pinia or vueuse to import', async () => {
    sim = await createComfySimulator({ speed: 20 })
    const project = consumerProject(packed, 'backend', ['axios', 'ws'])
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'backend', private: true, type: 'module' }))
    writeFileSync(join(project, 'backend.mjs'), BACKEND_SCRIPT)
    const backend = await runAsync(process.execPath, ['backend.mjs', sim.url], project)
    expect(backend.status, backend.output).toBe(0)
    expect(JSON.parse(backend.output.trim().split('\n').at(-1)!)).toEqual({ vue: 'not resolvable', server: sim.url, images: 1 })
  })
})

describe('a Vue app testing its component with the simulator (the README recipe)', () => {
  it('passes, and prints no raw network errors for the servers it takes down', async () => {
    const project = consumerProject(packed, 'recipe', RECIPE_DEPS)
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    for (const file of RECIPE)
      copyFileSync(join(ROOT, 'tests', 'vue', 'recipe', file), join(project, file))
    // The user's own run: none of this suite's Vitest variables, no colours.
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(?:VITEST|TEST$|NODE_ENV$|npm_)/.test(key))), NO_COLOR: '1', CI: '1' }
    const vitest = await runAsync(process.execPath, [join(REPO_MODULES, 'vitest', 'vitest.mjs'), 'run'], project, env)
    expect(vitest.output).toMatch(/Tests\s+2 passed \(2\)/)
    expect(vitest.status, vitest.output).toBe(0)
    expect(vitest.output).not.toMatch(/ECONNREFUSED|ECONNRESET|\d{3} \([A-Z][\w ]*\)/)
  })
})
