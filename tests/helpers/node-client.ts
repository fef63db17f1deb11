// Clients of the framework-free engine in plain Node (no DOM, no Vue), as a backend makes them: the `ws` package's
// WebSocket, against simulators over loopback.
import type { ComfyClient, ComfyClientOptions } from 'comfy-tether/client'
import WebSocket from 'ws'
import { afterEach } from 'vitest'
import { createComfyClient } from 'comfy-tether/client'
import { startSimulators } from 'comfy-tether/testing'
import { FAST_TIMINGS } from './fast'

const clients = new Set<ComfyClient>()

/** A client in plain Node with the fast test timings: disposed by `disposeAll()` in afterEach. */
export function nodeClient(options: ComfyClientOptions): ComfyClient {
  const client = createComfyClient({ ...FAST_TIMINGS, WebSocket, ...options })
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
