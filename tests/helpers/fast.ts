import type { ComfyClientOptions } from '../../src/client/index'
import type { ComfyPluginOptions } from '../../src/index'

/** Fast timings for tests over loopback: short backoff, polls and timeouts, no log lines. */
export const FAST_TIMINGS = {
  reconnect: { baseDelay: 20, maxDelay: 200, jitter: 'full' },
  reconcile: { interval: 150, lostGrace: 300 },
  maxOutage: 5000,
  socketOpenTimeout: 2000,
  requestTimeout: 3000,
  healthTimeout: 1000,
  logger: false,
} as const satisfies Partial<ComfyClientOptions>

/** The store's tests: {@link FAST_TIMINGS}, and no persistence unless a test asks for it. */
export const FAST: Partial<ComfyPluginOptions> = { ...FAST_TIMINGS, persist: false }

