// Installs vitest's own happy-dom environment on the global scope of a plain Node process, so `npm run chaos` runs
// the store with exactly the globals the CI test (vitest project `vue`, environment happy-dom) gives it: window,
// document, happy-dom's WebSocket (on `ws`), fetch and XMLHttpRequest. Call it BEFORE importing vue, pinia, vueuse or
// the library: vueuse decides at import time whether it runs in a browser.
import { builtinEnvironments } from 'vitest/runtime'
import { rejectFetchesAbortedInPreflight } from '../helpers/happy-dom-abort'

export async function installDom(): Promise<{ uninstall: () => Promise<void> }> {
  const environment = await builtinEnvironments['happy-dom'].setup(globalThis, {})
  rejectFetchesAbortedInPreflight() // as the vitest projects' setup file does (tests/helpers/setup-happy-dom.ts)
  return { uninstall: async () => void await environment.teardown(globalThis) }
}
