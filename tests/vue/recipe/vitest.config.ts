// vitest.config.ts: happy-dom as the DOM, @vitejs/plugin-vue for .vue files, and comfy-tether's setup file, which
// keeps the failed requests a test causes on purpose (a simulator taken down) out of the output
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [vue()],
  test: {
    environment: 'happy-dom',
    setupFiles: ['comfy-tether/testing/vitest-setup'],
  },
})
