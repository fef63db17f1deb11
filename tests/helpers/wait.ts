// The one way tests wait on real time: a pause, and a poll until something holds. Loopback tests use real timers
// (fake ones stall the socket library's own timeouts), so they poll what a user would see instead of guessing a delay.

/** A value a check returns while the awaited thing has not happened yet. */
type NotYet = undefined | null | false

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/**
 * Polls `check` (sync or async) every `interval` ms until it returns a truthy value, and returns that value; returns
 * `undefined` once more than `timeout` ms have passed without one. For a runner that reports a timeout itself.
 */
export async function poll<T>(check: () => T | NotYet | Promise<T | NotYet>, timeout: number, interval = 10): Promise<T | undefined> {
  const start = Date.now()
  for (;;) {
    const value = await check()
    if (value)
      return value
    if (Date.now() - start > timeout)
      return undefined
    await sleep(interval)
  }
}

/** Waits until `check` returns truthy, polling every `interval` ms; fails with `what` after `timeout` ms. */
export async function waitFor<T>(check: () => T | NotYet | Promise<T | NotYet>, what: string, timeout = 10_000, interval = 10): Promise<T> {
  const value = await poll(check, timeout, interval)
  if (!value)
    throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
  return value
}
