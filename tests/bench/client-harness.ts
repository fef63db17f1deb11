// The engine without Vue, for the frame benches: `createComfyClient` (comfy-tether/client) with the FakeWebSocket as
// its WebSocket and the same answering adapter as the store's harness. Frames take the path a Node backend or a
// non-Vue app pays: the socket's `message` listener → frame router → core parser and reducer → the task in the
// client's state → `subscribe()` listeners (one here, as a UI binding would have).
import type { ComfyClientOptions } from '../../src/client/index'
import type { StoreHarness, Pending } from './store-harness'
import { FakeWebSocket } from './fake-socket'
import { comfyAdapter, SERVER, submitter } from './store-harness'

export async function mountClient(): Promise<StoreHarness> {
  const { createComfyClient } = await import('../../src/client/index')
  const queue = new Map<string, Pending>()
  const finished = new Set<string>()
  let notified = 0
  const client = createComfyClient({
    servers: [SERVER],
    // The fake's event type is looser than the browser interface the option asks for; its events are the same.
    WebSocket: FakeWebSocket as unknown as NonNullable<ComfyClientOptions['WebSocket']>,
    persist: false,
    logger: false,
    httpConfig: { adapter: comfyAdapter(queue, finished) },
    reconcile: { interval: 3_600_000, lostGrace: 3_600_000 },
    releaseDelay: 3_600_000,
  })
  const unsubscribe = client.subscribe(() => void notified++)
  return {
    submit: submitter(workflow => client.submit(workflow), () => client.clientId, queue, finished),
    settleEffects: () => Promise.resolve(),
    async close() {
      unsubscribe()
      client.dispose()
      if (notified === 0)
        throw new Error('the client notified its subscriber of nothing: the frames did not take the path')
    },
  }
}
