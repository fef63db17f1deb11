// An app that installs comfy-tether, bundled by Vite as a user's app would be (peers external, no minifier), for the
// bundle tests: what a production or development build of `comfyPlugin` + `useComfyStore` contains.
import type { Rolldown } from 'vite'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { vi } from 'vitest'

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url))
const ENTRY = `
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { comfyPlugin, useComfyStore } from ${JSON.stringify(INDEX)}
const app = createApp({ setup: () => ({ store: useComfyStore() }), render: () => null })
app.use(createPinia()).use(comfyPlugin, { servers: ['http://127.0.0.1:8188'] }).mount('#app')
`

/** Builds the app in `mode` and returns its chunks. The caller undoes the NODE_ENV stub (`vi.unstubAllEnvs()`). */
export async function buildApp(mode: 'production' | 'development'): Promise<Rolldown.OutputChunk[]> {
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
      // Peers stay imports, so whatever of them is left shows as an import.
      rolldownOptions: { input: 'virtual:app', external: [/^vue$/, /^pinia$/, /^axios$/, /^@vueuse\//, /^@vue\/devtools-api$/] },
    },
  }) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[]
  return (Array.isArray(output) ? output : [output]).flatMap(o => o.output).filter((c): c is Rolldown.OutputChunk => c.type === 'chunk')
}
