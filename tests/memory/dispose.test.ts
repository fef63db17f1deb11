// Disposing the store frees what it started: the simulator sees its socket closed, no timer is left, and nothing
// global (window listeners, BroadcastChannel, a long-lived axios instance's interceptors, timers, sockets) keeps the
// store alive: a WeakRef to it is cleared by gc. Disposed while a task is pending, which is when the store holds the
// most (the lock, an open socket, a reconcile poll).
//
// Timers are judged by the ones started while the store lived (tests/helpers/track-timers.ts), not by the process's
// count: that count also moved with the test runner's own timers and with the 3 s timer Vue's dev build arms at the
// first createApp of the file, so it failed ("timers back to 0 (now 1)") whenever the runner's timer had ended before
// the count was taken, with no timer of the store left.
//
// Run with the `memory` project (happy-dom, --expose-gc): npx vitest run --project memory
import type { ComfySimulator } from '../../src/testing/index'
import axios from 'axios'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp, h } from 'vue'
import { comfyPlugin, useComfyStore } from '../../src/index'
import { createComfySimulator } from '../../src/testing/index'
import { trackTimers } from '../helpers/track-timers'
import { slowWorkflow } from '../helpers/workflows'
import { FAST } from '../helpers/fast'
import { sleep, waitFor } from '../helpers/wait'

const gc = (globalThis as { gc?: () => void }).gc
/** Module-level, so its closure does not share a scope (and so a V8 context) with the test's store variable. */
const Root = { render: () => h('div') }
// Vue's dev build arms a 3 s timer at its first createApp in a DOM (for a devtools hook injected late): Vue's, not the
// store's, so it is started here, before any test tracks timers.
createApp(Root)

let sim: ComfySimulator
beforeEach(async () => {
  sim = await createComfySimulator({ speed: 4 })
})
afterEach(async () => {
  setActivePinia(undefined as never)
  await sim.close()
})

/** Is `ref` cleared by gc within `timeoutMs`? */
async function collected(ref: WeakRef<object>, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    gc!()
    await sleep(20)
    if (ref.deref() === undefined)
      return true
  }
  return false
}

type Variant = 'app.unmount()' | 'store.$dispose()'

/**
 * Mounts an app with its own Pinia and store, runs a task until it is running on the simulator, disposes, and
 * returns only weak references: every strong one dies with this function's frame.
 */
async function runAndDispose(variant: Variant, http: ReturnType<typeof axios.create>): Promise<{ store: WeakRef<object>, clientId: string }> {
  const pinia = createPinia()
  const app = createApp(Root)
  app.use(pinia)
  app.use(comfyPlugin, { ...FAST, servers: [sim.url], http })
  app.mount(document.createElement('div'))
  const store = app.runWithContext(() => useComfyStore())
  const handle = await store.submit(slowWorkflow(6, 1.2))
  await waitFor(() => handle.task.value?.state === 'running', 'the task to run')
  await waitFor(() => store.socket.status === 'OPEN', 'the socket to be open')
  expect(sim.state.connectedClients).toEqual([store.clientId])
  expect(store.pendingCount).toBe(1)
  const refs = { store: new WeakRef(store), clientId: store.clientId }
  if (variant === 'app.unmount()')
    app.unmount()
  else
    (pinia as unknown as { _s: Map<string, { $dispose: () => void }> })._s.get('comfy-tether')!.$dispose()
  return refs
}

describe.each<Variant>(['app.unmount()', 'store.$dispose()'])('disposing with %s', (variant) => {
  it('closes the socket, leaves no timer, and lets the store be collected', async () => {
    expect(gc, 'run this file with --expose-gc (vitest project "memory")').toBeTypeOf('function')
    // An axios instance of the app's that outlives the store: its interceptors must not keep the store alive.
    const http = axios.create()
    const timers = trackTimers()
    let refs: Awaited<ReturnType<typeof runAndDispose>>
    try {
      refs = await runAndDispose(variant, http)
      // Right after dispose(), nothing the store started is pending: only the simulator's own sleeps (the task still
      // runs there) and ws's timer of the closing handshake that dispose() began.
      const foreign = (where: string): boolean => where.includes('/src/testing/') || where.includes('/node_modules/ws/')
      expect(timers.pending().filter(where => !foreign(where)), 'timers of the store pending at dispose()').toEqual([])
      // The simulator sees the socket closed: gone from its socket table, and a ws-close of this clientId logged.
      await waitFor(() => sim.state.connectedClients.length === 0, 'the simulator to see the socket closed', 3000)
      expect(sim.requests.filter(r => r.kind === 'ws-close' && r.clientId === refs.clientId)).toHaveLength(1)
      // The interceptors the store added to the app's instance are gone.
      const handlers = (manager: object): number => (manager as { handlers: (object | null)[] }).handlers.filter(Boolean).length
      expect(handlers(http.interceptors.request)).toBe(0)
      expect(handlers(http.interceptors.response)).toBe(0)
      // No timer started since the mount is pending any more, once the task has ended on the simulator (its own sleeps
      // are timers too) and the socket's closing handshake is done (ws times it until the server's close frame comes).
      // Checked at that moment, not after waiting for timers to run out: a timer left by dispose() is found even if it
      // would end by itself soon. The failure lists where each one was started.
      await waitFor(() => sim.state.running === null, 'the task to end on the simulator', 5000)
      await waitFor(() => !timers.pending().some(t => t.includes('/node_modules/ws/')), 'the socket\'s closing handshake', 3000)
      expect(timers.pending(), 'timers pending after dispose').toEqual([])
    }
    finally {
      timers.stop()
    }
    // Nothing global holds the store.
    expect(await collected(refs.store), 'the store is still reachable after dispose').toBe(true)
    // (Not checked: the Pinia and the store's state. Pinia keeps a disposed store's state for HMR, and its dev build
    // keeps the last Pinia on `useComfyStore._pinia`; neither is comfy-tether's to free.)
    // Nothing was sent after the dispose (the only client here is the disposed store): no reconnect, no poll.
    const closedAt = sim.requests.find(r => r.kind === 'ws-close')!.time
    expect(sim.requests.filter(r => r.time > closedAt).map(r => `${r.kind} ${r.method ?? ''} ${r.path}`)).toEqual([])
  })
})
