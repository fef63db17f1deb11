import type { ComfyClient, ComfyClientOptions } from 'comfy-tether/client'
import type { ComfyWorkflow } from 'comfy-tether/client'
import WebSocket from 'ws'
import { afterEach } from 'vitest'
import { createComfyClient } from 'comfy-tether/client'
import { startSimulators } from 'comfy-tether/testing'

/** Fast defaults over loopback, as the store's tests use; the `ws` package's WebSocket, as a Node app passes it. */
export const FAST: Partial<ComfyClientOptions> = {
  reconnect: { baseDelay: 20, maxDelay: 200, jitter: 'full' },
  reconcile: { interval: 150, lostGrace: 300 },
  maxOutage: 5000,
  socketOpenTimeout: 2000,
  requestTimeout: 3000,
  healthTimeout: 1000,
  logger: false,
}

const clients = new Set<ComfyClient>()

/** A client in plain Node (no DOM, no Vue): disposed by `disposeAll()` in afterEach. */
export function nodeClient(options: ComfyClientOptions): ComfyClient {
  const client = createComfyClient({ ...FAST, WebSocket, ...options })
  clients.add(client)
  return client
}

export function disposeAll(): void {
  for (const client of clients) client.dispose()
  clients.clear()
}

/**
 * For a test file: `servers(n)` starts n simulators; after each test the clients are disposed and the simulators (or
 * whatever `onClose` was last given) closed.
 */
export function simulatorPool(): { servers: (count: number) => ReturnType<typeof startSimulators>, onClose: (close: () => Promise<void>) => void } {
  let closeSims: (() => Promise<void>) | undefined
  afterEach(async () => {
    disposeAll()
    await closeSims?.()
    closeSims = undefined
  })
  return {
    async servers(count) {
      const started = await startSimulators(count, { speed: 1 })
      closeSims = started.close
      return started
    },
    onClose: (close) => {
      closeSims = close
    },
  }
}

/** Waits until `check` returns truthy, polling every 10 ms; fails with `what` after `timeout` ms. */
export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeout = 10_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const value = check()
    if (value)
      return value
    if (Date.now() - start > timeout)
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** EmptyImage → SaveImage: needs no upload. */
export function emptyImageWorkflow(color = 0x336699, prefix = 'tether'): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
    2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
  }
}

/** EmptyImage → TestSlowProgress → SaveImage: runs `seconds` with progress frames. */
export function slowWorkflow(steps = 6, seconds = 1.2): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0x808080 } },
    2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps, seconds, preview: false, progress_text: false } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'slow' } },
  }
}
