// @vitest-environment node
import type { Rolldown } from 'vite'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterEach, describe, expect, it, vi } from 'vitest'

// An app that installs comfy-tether, bundled by Vite as a user's app would be: the devtools code must be gone from a
// production bundle (the `process.env.NODE_ENV` branch is dead, and `sideEffects: false` drops the module).

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url))
const ENTRY = `
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { comfyPlugin, useComfyStore } from ${JSON.stringify(INDEX)}
const app = createApp({ setup: () => ({ store: useComfyStore() }), render: () => null })
app.use(createPinia()).use(comfyPlugin, { servers: ['http://127.0.0.1:8188'] }).mount('#app')
`

async function bundle(mode: 'production' | 'development'): Promise<string> {
  // Vite takes NODE_ENV from the environment before the mode, and Vitest has set it to 'test'.
  vi.stubEnv('NODE_ENV', mode)
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    mode,
    plugins: [{
      name: 'entry',
      resolveId: id => (id === 'virtual:app' ? '\0virtual:app' : undefined),
      load: id => (id === '\0virtual:app' ? ENTRY : undefined),
    }],
    build: {
      write: false,
      minify: false,
      // Peers stay imports, so whatever of devtools is left shows as our own code or an import of it.
      rolldownOptions: { input: 'virtual:app', external: [/^vue$/, /^pinia$/, /^axios$/, /^@vueuse\//, /^@vue\/devtools-api$/] },
    },
  }) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[]
  const outputs = Array.isArray(output) ? output : [output]
  return outputs.flatMap(o => o.output).map(chunk => (chunk.type === 'chunk' ? chunk.code : '')).join('\n')
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('vue devtools in bundles', () => {
  it('is tree-shaken from a production build, and present in a development build', async () => {
    const production = await bundle('production')
    expect(production).toContain('comfy-tether') // the library is in the bundle…
    expect(production).not.toContain('@vue/devtools-api') // …but neither the import…
    expect(production).not.toContain('comfy-tether:lock') // …nor the timeline layer
    const development = await bundle('development')
    expect(development).toMatch(/import\(["']@vue\/devtools-api["']\)/)
    expect(development).toContain('comfy-tether:lock')
  })
})
