// Installs vitest's own happy-dom environment on the global scope of a plain Node process, so `npm run chaos` runs
// the store with exactly the globals the CI test (vitest project `vue`, environment happy-dom) gives it: window,
// document, happy-dom's WebSocket (on `ws`), fetch and XMLHttpRequest. Call it BEFORE importing vue, pinia, vueuse or
// the library: vueuse decides at import time whether it runs in a browser.
import { builtinEnvironments } from 'vitest/runtime'

export async function installDom(): Promise<{ uninstall: () => Promise<void> }> {
  const environment = await builtinEnvironments['happy-dom'].setup(globalThis, {})
  return { uninstall: async () => void await environment.teardown(globalThis) }
}
