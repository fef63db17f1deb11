import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

const alias = [
  { find: /^comfy-tether$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  { find: /^comfy-tether\/core$/, replacement: fileURLToPath(new URL('./src/core/index.ts', import.meta.url)) },
  { find: /^comfy-tether\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) },
]

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'core', environment: 'node', include: ['tests/core/**/*.test.ts'] },
      },
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/http/**/*.test.ts', 'tests/testing/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        plugins: [vue()], // for tests that mount the playground's components
        test: {
          name: 'vue',
          environment: 'happy-dom',
          include: ['tests/vue/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: { name: 'chaos', environment: 'happy-dom', include: ['tests/chaos/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000 },
      },
      {
        resolve: { alias },
        test: {
          name: 'memory',
          environment: 'happy-dom',
          include: ['tests/memory/**/*.test.ts'],
          execArgv: ['--expose-gc'],
          testTimeout: 180_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'types',
          include: [],
          typecheck: { enabled: true, include: ['tests/types/**/*.test-d.ts'], tsconfig: './tsconfig.typetests.json' },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'browser',
          environment: 'node',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
