import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import type { UserConfig } from 'vite'
import { defineConfig } from 'vite'
import { comfyServersPlugin } from './playground/vite-plugin-comfy-servers'

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

const PEERS = [/^vue$/, /^pinia$/, /^axios$/, /^@vueuse\//, /^@vue\/devtools-api$/, /^ws$/, /^pngjs$/, /^bullmq$/, /^node:/]

export default defineConfig(({ command, mode }): UserConfig => {
  if (command === 'build' && mode !== 'playground') {
    return {
      build: {
        target: 'es2022',
        outDir: 'dist',
        emptyOutDir: true,
        minify: false,
        sourcemap: false,
        lib: {
          entry: { index: src('index.ts'), core: src('core/index.ts'), client: src('client/index.ts'), bullmq: src('bullmq/index.ts'), testing: src('testing/index.ts'), 'testing-vitest-setup': src('testing/vitest-setup.ts') },
          formats: ['es'],
        },
        rolldownOptions: { external: PEERS },
      },
    }
  }
  return {
    root: fileURLToPath(new URL('./playground', import.meta.url)),
    plugins: [vue(), comfyServersPlugin()],
    resolve: {
      alias: [
        { find: /^comfy-tether$/, replacement: src('index.ts') },
        { find: /^comfy-tether\/core$/, replacement: src('core/index.ts') },
        { find: /^comfy-tether\/client$/, replacement: src('client/index.ts') },
      ],
    },
    server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173) },
    build: { outDir: fileURLToPath(new URL('./dist-playground', import.meta.url)) },
  }
})
