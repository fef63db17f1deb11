// The real store with no network, for the frame benches: `comfyPlugin` in a Vue app with Pinia, vueuse's
// useWebSocket on a FakeWebSocket (installed as the global `WebSocket`) and axios with an adapter that answers as a
// ComfyUI 0.33 server does. Frames delivered to the fake socket take the path an app pays: vueuse's `onmessage` → the
// store's socket wrapper → frame router → core parser and reducer → the task in the store's reactive state.
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import { FakeWebSocket } from './fake-socket'
import { installDom } from './dom'
import { sleep } from '../helpers/wait'

export const SERVER = 'http://127.0.0.1:8188'
const SOCKET_PREFIX = 'ws://127.0.0.1:8188/'

export interface Pending {
  number: number
  promptId: string
  clientId: string
}

/** Answers the calls the store makes around a run, as ComfyUI 0.33 does; every other path is a 404. */
export function comfyAdapter(queue: Map<string, Pending>, finished: Set<string>): AxiosAdapter {
  let number = 0
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const url = new URL(config.url ?? '/', config.baseURL ?? SERVER)
    const method = (config.method ?? 'get').toUpperCase()
    const reply = (status: number, data: unknown): AxiosResponse => ({ status, statusText: String(status), data, headers: {}, config, request: { responseURL: url.href } })
    if (method === 'POST' && url.pathname === '/prompt') {
      const body = JSON.parse(String(config.data)) as { prompt_id: string, client_id: string }
      const item = { number: number++, promptId: body.prompt_id, clientId: body.client_id }
      queue.set(item.promptId, item)
      return reply(200, { prompt_id: item.promptId, number: item.number, node_errors: {} })
    }
    if (method === 'GET' && url.pathname === '/prompt')
      return reply(200, { exec_info: { queue_remaining: queue.size } })
    if (method === 'GET' && url.pathname === '/features')
      return reply(200, { supports_preview_metadata: true })
    if (method === 'GET' && url.pathname === '/api/jobs')
      return reply(200, { jobs: [...queue.values()].map(q => ({ id: q.promptId, status: 'pending', priority: q.number })) })
    if (method === 'GET' && url.pathname === '/queue')
      return reply(200, { queue_running: [], queue_pending: [...queue.values()].map(q => [q.number, q.promptId, {}, { client_id: q.clientId }, []]) })
    if (method === 'GET' && url.pathname.startsWith('/history/')) {
      // The store reads a finished task's outputs from /history (the authority), as it does from a real server.
      const id = decodeURIComponent(url.pathname.slice('/history/'.length))
      return reply(200, finished.has(id) ? { [id]: { prompt: [0, id, {}, {}, []], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} } } : {})
    }
    throw Object.assign(new Error(`bench adapter: no route for ${method} ${url.pathname}`), { config })
  }
}

/** The handle of a submit, as the store and the client give it. */
interface Submitted {
  promptId: string
  result: Promise<unknown>
}

/**
 * `StoreHarness.submit` over a submit function (the store's or the client's): the same workflow for both, and the
 * socket the submits opened, found among the fake sockets.
 */
export function submitter(submit: (workflow: Record<string, { class_type: string, inputs: Record<string, unknown> }>) => Promise<Submitted>, clientId: () => string, queue: Map<string, Pending>, finished: Set<string>): StoreHarness['submit'] {
  let colour = 0
  return async (count) => {
    const submitted = await Promise.all(Array.from({ length: count }, () => submit({
      1: { class_type: 'EmptyImage', inputs: { width: 32, height: 32, batch_size: 1, color: colour++ } },
      2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 3, seconds: 1.5, preview: true, progress_text: false } },
      3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'rc_flags' } },
    })))
    const results = Promise.all(submitted.map(handle => handle.result.then(() => true, () => false)))
    // The client opens the socket (its clientId in the URL) beside the submit, after the previous one has closed;
    // the run's watchdog stops the bench if it never does.
    let socket: FakeWebSocket | undefined
    while (!(socket = [...FakeWebSocket.instances].reverse().find(s => s.readyState === s.OPEN && s.url.startsWith(SOCKET_PREFIX) && s.url.includes(clientId()))))
      await sleep(1)
    for (const handle of submitted) {
      queue.delete(handle.promptId)
      finished.add(handle.promptId) // the frames about to be delivered run it to its end
    }
    return { promptIds: submitted.map(h => h.promptId), socket, results }
  }
}

/** A mounted store on one fake server. */
export interface StoreHarness {
  /**
   * Submits `count` tasks: their prompt ids, the socket the store opened for them, and whether each one's `result`
   * resolved (the task succeeded in the store), once the frames have been delivered.
   */
  submit: (count: number) => Promise<{ promptIds: string[], socket: FakeWebSocket, results: Promise<boolean[]> }>
  /** Vue's scheduler flush (watchers and effects the frames triggered): part of the timed path. */
  settleEffects: () => Promise<void>
  close: () => Promise<void>
}

export async function mountStore(): Promise<StoreHarness> {
  const dom = await installDom()
  const globals = globalThis as { WebSocket?: unknown }
  const originalWebSocket = globals.WebSocket
  globals.WebSocket = FakeWebSocket
  const { createApp, h, nextTick } = await import('vue')
  const { createPinia } = await import('pinia')
  const { comfyPlugin, useComfyStore } = await import('../../src/index')
  const queue = new Map<string, Pending>()
  const finished = new Set<string>()
  const app = createApp({ render: () => h('div') })
  app.use(createPinia())
  app.use(comfyPlugin, {
    servers: [SERVER],
    persist: false,
    logger: false,
    httpConfig: { adapter: comfyAdapter(queue, finished) },
    reconcile: { interval: 3_600_000, lostGrace: 3_600_000 },
    // An app that keeps submitting keeps its lock and socket between batches.
    releaseDelay: 3_600_000,
  })
  app.mount(document.createElement('div'))
  const store = app.runWithContext(() => useComfyStore())
  return {
    submit: submitter(workflow => store.submit(workflow), () => store.clientId, queue, finished),
    settleEffects: () => nextTick(),
    async close() {
      app.unmount()
      globals.WebSocket = originalWebSocket
      await dom.uninstall()
    },
  }
}
