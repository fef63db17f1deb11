// A DOM-like global scope for the store in plain Node: happy-dom's Window globals, installed BEFORE vue, pinia, vueuse
// or the library are imported (vueuse decides at import time whether `window` and `document` exist, and Vue's DOM
// renderer keeps the `document` it finds then).
//
// Globals Node already has (URL, Blob, fetch, Event, MessageEvent, timers, …) are kept. XMLHttpRequest is left out on
// purpose: axios would switch to happy-dom's XHR if it were imported after this, so the HTTP transport of the recovery
// bench would depend on import order. axios stays on Node's http adapter, the same transport as the interceptor bench
// and as the round trip the recovery bench is compared with.

const LEFT_OUT = new Set(['XMLHttpRequest', 'XMLHttpRequestUpload', 'XMLHttpRequestEventTarget', 'fetch', 'Request', 'Response', 'Headers'])

export interface Dom {
  window: { close: () => Promise<void> }
  /** Removes the installed globals and closes the window. */
  uninstall: () => Promise<void>
}

let shared: { dom: Dom, users: number } | undefined

/**
 * Installs the DOM globals once per process: Vue's DOM renderer and vueuse keep the `document` and `window` they saw
 * when first imported, so later benches must get the same window, not a new one. The last user's `uninstall` removes it.
 */
export async function installDom(url = 'http://localhost:5173/'): Promise<Dom> {
  if (!shared) {
    const dom = await createDom(url)
    shared = { dom, users: 0 }
  }
  const current = shared
  current.users++
  let released = false
  return {
    window: current.dom.window,
    async uninstall() {
      if (released)
        return
      released = true
      // Kept for the rest of the process: a later bench would re-import nothing and need these same globals.
      current.users--
    },
  }
}

async function createDom(url: string): Promise<Dom> {
  const { Window } = await import('happy-dom')
  const window = new Window({ url })
  const source = window as unknown as Record<string, unknown>
  const target = globalThis as Record<string, unknown>
  const installed: string[] = []
  const keys = new Set<string>()
  for (let o: object | null = window; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) keys.add(key)
  }
  for (const key of keys) {
    if (key in target || LEFT_OUT.has(key) || key === 'constructor' || key.startsWith('_'))
      continue
    let value: unknown
    try {
      value = source[key]
    }
    catch {
      continue
    }
    // Methods such as getComputedStyle need the window as `this`; classes must stay constructible.
    target[key] = typeof value === 'function' && !/^[A-Z]/.test(key) ? (value as (...args: unknown[]) => unknown).bind(window) : value
    installed.push(key)
  }
  for (const key of ['window', 'document', 'WebSocket'] as const) {
    if (!installed.includes(key)) {
      target[key] = source[key]
      installed.push(key)
    }
  }
  return {
    window: { close: () => window.happyDOM.close() },
    async uninstall() {
      for (const key of installed) Reflect.deleteProperty(target, key)
      await window.happyDOM.close()
    },
  }
}
