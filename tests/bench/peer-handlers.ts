// The socket message handlers of the peer clients, driven with a fake socket (no network), for the frame bench.
// Each client is built as its README shows, with its own socket wiring; only the socket is fake:
// - @saintno/comfyui-sdk: `ComfyApi` with `customWebSocketImpl`; its `createSocket()` sets `socket.onmessage`, which
//   parses the frame and dispatches a CustomEvent per message on the api. The app listens to the events a task view
//   needs (status, executing, progress, executed, execution_success, b_preview).
// - @stable-canvas/comfyui-client: `Client` with its `WebSocket` option; `init()` adds a `message` listener that
//   parses the frame and emits on its EventEmitter. The app listens as above.
// - comfy-ui-client: hard-wired to the `ws` package (no socket option), so its socket property is given a fake with
//   `ws`'s `on/off('message', (data: Buffer, isBinary))` interface, and `getImages()` registers its message listener
//   (the one a user of that client pays per frame). Frames are Buffers there, as `ws` delivers them.
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import { FakeWebSocket } from './fake-socket'
import { sleep } from '../helpers/wait'

/** Not the store harness's server, so the two never pick up each other's fake sockets. */
const HOST = '127.0.0.1:8190'

/** A peer ready to receive frames: `items` are the frames in the form its socket delivers them. */
export interface PeerReceiver {
  name: string
  items: readonly unknown[]
  deliver: (item: unknown) => void
  /** How many frames reached the app's listeners (a check that the handler really ran). */
  seen: () => number
  close: () => void
}

/** What an app keeps per task from the peers' events. */
interface TaskView {
  frames: number
  last: unknown
}

function view(): TaskView {
  return { frames: 0, last: undefined }
}

const TASK_EVENTS = ['status', 'executing', 'progress', 'executed', 'execution_success', 'b_preview'] as const

/** Answers the few HTTP calls the peers make while being set up (no network). */
async function withFakeFetch<T>(answer: (url: string) => unknown, run: () => Promise<T>): Promise<T> {
  const original = globalThis.fetch
  globalThis.fetch = (async (input: string | URL | Request) => new Response(JSON.stringify(answer(String(input instanceof Request ? input.url : input))), { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch
  try {
    return await run()
  }
  finally {
    globalThis.fetch = original
  }
}

async function saintno(frames: readonly string[]): Promise<PeerReceiver> {
  const { ComfyApi } = await import('@saintno/comfyui-sdk')
  const api = new ComfyApi(`http://${HOST}`, 'bench', { customWebSocketImpl: FakeWebSocket as never })
  ;(api as unknown as { createSocket: () => void }).createSocket()
  const socket = FakeWebSocket.instances.at(-1)!
  const task = view()
  for (const type of TASK_EVENTS) {
    api.on(type, (event: Event) => {
      task.frames++
      task.last = (event as CustomEvent).detail
    })
  }
  return { name: '@saintno/comfyui-sdk 0.3.1', items: frames, deliver: data => socket.deliver(data), seen: () => task.frames, close: () => api.destroy() }
}

async function stableCanvas(frames: readonly string[]): Promise<PeerReceiver> {
  const { Client } = await import('@stable-canvas/comfyui-client')
  const client = new Client({ api_host: HOST, WebSocket: FakeWebSocket, fetch: (() => Promise.reject(new Error('no network in this bench'))) as never })
  client.init()
  const socket = FakeWebSocket.instances.at(-1)!
  const task = view()
  for (const type of TASK_EVENTS) {
    client.on(type, (data: unknown) => {
      task.frames++
      task.last = data
    })
  }
  return { name: '@stable-canvas/comfyui-client 1.5.9', items: frames, deliver: data => socket.deliver(data), seen: () => task.frames, close: () => client.close() }
}

/**
 * comfy-ui-client logs a pino `info` line for every `executing {node: null}` (any prompt's), written to fd 1 by
 * sonic-boom (`fs.write`, and `fs.writeSync` when pino flushes at exit). The line is still formatted (its cost stays
 * in the figure) but writes of pino lines to fd 1 are dropped for the rest of the process, so the output stays
 * readable; every other write passes through.
 */
let muted = false
function mutePinoLines(): void {
  if (muted)
    return
  muted = true
  const { write, writeSync } = fs
  const isPino = (fd: number, buffer: unknown): boolean => fd === 1 && String(typeof buffer === 'string' ? buffer.slice(0, 10) : Buffer.from(buffer as Uint8Array).subarray(0, 10)).startsWith('{"level":')
  const length = (buffer: string | Uint8Array): number => typeof buffer === 'string' ? Buffer.byteLength(buffer) : buffer.byteLength
  fs.write = ((fd: number, buffer: string | Uint8Array, ...rest: unknown[]) => {
    if (!isPino(fd, buffer))
      return (write as (...args: unknown[]) => void)(fd, buffer, ...rest)
    process.nextTick(rest.at(-1) as (error: null, written: number) => void, null, length(buffer))
  }) as typeof fs.write
  fs.writeSync = ((fd: number, buffer: string | Uint8Array, ...rest: unknown[]) => isPino(fd, buffer) ? length(buffer) : (writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest)) as typeof fs.writeSync
}

async function comfyUiClient(frames: readonly string[]): Promise<PeerReceiver> {
  mutePinoLines()
  const { ComfyUIClient } = await import('comfy-ui-client')
  const client = new ComfyUIClient(HOST, 'bench')
  const socket = new EventEmitter()
  let parsed = 0
  ;(client as unknown as { ws: EventEmitter }).ws = socket
  // The prompt id getImages waits for is not in the frames, so its listener stays on for every frame.
  await withFakeFetch(() => ({ prompt_id: 'not-in-the-bench-frames', number: 0, node_errors: {} }), async () => {
    void client.getImages({}).catch(() => undefined)
    while (socket.listenerCount('message') === 0) await sleep(1)
  })
  return {
    name: 'comfy-ui-client 0.1.2',
    items: frames.map(f => Buffer.from(f)),
    deliver: (data) => {
      if (socket.emit('message', data, false))
        parsed++
    },
    seen: () => parsed,
    close: () => socket.removeAllListeners(),
  }
}

/** Every peer, set up on the same frames. */
export async function peerReceivers(frames: readonly string[]): Promise<PeerReceiver[]> {
  return [await saintno(frames), await stableCanvas(frames), await comfyUiClient(frames)]
}
