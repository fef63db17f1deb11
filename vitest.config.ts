import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

const alias = [
  { find: /^comfy-tether$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  { find: /^comfy-tether\/core$/, replacement: fileURLToPath(new URL('./src/core/index.ts', import.meta.url)) },
  { find: /^comfy-tether\/client$/, replacement: fileURLToPath(new URL('./src/client/index.ts', import.meta.url)) },
  { find: /^comfy-tether\/bullmq$/, replacement: fileURLToPath(new URL('./src/bullmq/index.ts', import.meta.url)) },
  { find: /^comfy-tether\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) },
  { find: /^comfy-tether\/testing\/vitest-setup$/, replacement: fileURLToPath(new URL('./src/testing/vitest-setup.ts', import.meta.url)) },
]

/** Drops happy-dom's echo of failed requests: what users get as `comfy-tether/testing/vitest-setup`. */
const HAPPY_DOM_SETUP = './tests/helpers/setup-happy-dom.ts'

export default defineConfig({
  resolve: { alias },
  test: {
    // Vitest's report, then one plain `N passed, N failed` line (a CLI --reporter replaces both, as .ci/run does).
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
    projects: [
      {
        resolve: { alias },
        test: { name: 'core', environment: 'node', include: ['tests/core/**/*.test.ts'] },
      },
      {
        resolve: { alias },
        // The unit tier: Task, TaskCache, Tether and placement with fake timers and scripted sockets, no simulator.
        test: { name: 'unit', environment: 'node', include: ['tests/unit/**/*.test.ts'], fakeTimers: { now: 1_000_000_000_000 } },
      },
      {
        resolve: { alias },
        // The framework-free client in plain Node: no DOM, the `ws` package's WebSocket, simulators over loopback.
        test: { name: 'client', environment: 'node', include: ['tests/client/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/http/**/*.test.ts', 'tests/testing/**/*.test.ts', 'tests/scripts/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        plugins: [vue()], // component tests mount single-file components, as an app's tests do
        test: {
          name: 'vue',
          environment: 'happy-dom',
          include: ['tests/vue/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          setupFiles: [HAPPY_DOM_SETUP],
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        // Fleets of workers: a real redis-server, real BullMQ, worker child processes, simulators over loopback. Run
        // after every other project (groupOrder 1): the workers' 2 s job locks are renewed by child processes that a
        // 2-core machine busy with the rest of the suite starves, and then every job stalls over and over.
        test: { name: 'fleet', environment: 'node', include: ['tests/fleet/**/*.test.ts'], testTimeout: 150_000, hookTimeout: 60_000, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      {
        resolve: { alias },
        test: { name: 'chaos', environment: 'happy-dom', include: ['tests/chaos/**/*.test.ts'], setupFiles: [HAPPY_DOM_SETUP], testTimeout: 60_000, hookTimeout: 30_000 },
      },
      {
        resolve: { alias },
        test: {
          name: 'memory',
          environment: 'happy-dom',
          include: ['tests/memory/**/*.test.ts'],
          setupFiles: [HAPPY_DOM_SETUP],
          execArgv: ['--expose-gc'],
          testTimeout: 180_000,
        },
      },
      {
        resolve: { alias },
        // README.md's code blocks, type-checked against the package's built declarations.
        test: { name: 'docs', environment: 'node', include: ['tests/docs/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 300_000 },
      },
      {
        resolve: { alias },
        // The package as published: `npm pack` of a fresh clone, publint, attw, consumer projects under nodenext/bundler.
        test: { name: 'package', environment: 'node', include: ['tests/package/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 300_000 },
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
