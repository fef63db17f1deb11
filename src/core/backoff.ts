/** How reconnect delays grow. */
export interface BackoffOptions {
  /** First delay in ms. @default 1000 */
  baseDelay?: number
  /** Largest delay in ms. @default 30000 */
  maxDelay?: number
  /** `'full'`: a random delay between 0 and the exponential value (AWS "full jitter"); `'none'`: exact. @default 'full' */
  jitter?: 'full' | 'none'
}

/**
 * The delay before reconnect attempt `attempt` (1-based): `min(maxDelay, baseDelay * 2^(attempt-1))`, with full jitter
 * by default so that many clients of a restarted server do not reconnect in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { baseDelay = 1000, maxDelay = 30_000, jitter = 'full' } = options
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30)
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** exponent)
  return jitter === 'full' ? Math.round(random() * ceiling) : ceiling
}

/** The upper bound of the delay before attempt `attempt`, whatever the jitter. */
export function backoffCeiling(attempt: number, options: BackoffOptions = {}): number {
  return backoffDelay(attempt, { ...options, jitter: 'none' })
}
