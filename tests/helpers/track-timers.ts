// Which timers did the code under test start, and which of them are still pending? A count of the process's active
// timers (process.getActiveResourcesInfo) cannot say: it also counts timers of the test runner and of Vue (its dev
// build arms a 3 s timer at the first createApp in a DOM, for a devtools hook that may be injected late), which come
// and go on their own schedule. This wraps the global timer functions instead, so each pending timer is known with
// where it was started.

interface Pending {
  kind: 'setTimeout' | 'setInterval'
  ms: number
  /** Where it was started: the first frames of the stack, below this helper. */
  where: string
}

/** A timer handle as a primitive (Node's Timeout converts to its id), for a clear*() called with the number. */
function idOf(handle: unknown): unknown {
  return typeof handle === 'object' && handle !== null && Symbol.toPrimitive in handle ? Number(handle) : handle
}

/**
 * Tracks every `setTimeout`/`setInterval` started through the globals from now until `stop()`: `pending()` lists those
 * neither fired (timeouts) nor cleared, each with its delay and where it was started. Call `stop()` in a `finally`.
 */
export function trackTimers(): { pending: () => string[], stop: () => void } {
  const g = globalThis as unknown as Record<'setTimeout' | 'setInterval' | 'clearTimeout' | 'clearInterval', (...args: unknown[]) => unknown>
  const original = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval }
  const pending = new Map<unknown, Pending>()
  const where = (): string => (new Error('timer').stack ?? '').split('\n').slice(3, 9).map(line => line.trim()).join(' < ')

  g.setTimeout = (callback: unknown, ms?: unknown, ...args: unknown[]) => {
    const handle = original.setTimeout((...a: unknown[]) => {
      pending.delete(handle)
      if (typeof callback === 'function')
        (callback as (...a: unknown[]) => void)(...a)
    }, ms, ...args)
    pending.set(handle, { kind: 'setTimeout', ms: Number(ms ?? 0), where: where() })
    return handle
  }
  g.setInterval = (...args: unknown[]) => {
    const handle = original.setInterval(...args)
    pending.set(handle, { kind: 'setInterval', ms: Number(args[1] ?? 0), where: where() })
    return handle
  }
  const forget = (handle: unknown): void => {
    if (pending.delete(handle) || typeof handle !== 'number')
      return
    for (const key of pending.keys()) {
      if (idOf(key) === handle)
        pending.delete(key)
    }
  }
  g.clearTimeout = (handle: unknown) => {
    forget(handle)
    return original.clearTimeout(handle)
  }
  g.clearInterval = (handle: unknown) => {
    forget(handle)
    return original.clearInterval(handle)
  }

  return {
    pending: () => [...pending.values()].map(p => `${p.kind}(…, ${p.ms}) from ${p.where}`),
    stop() {
      Object.assign(g, original)
      pending.clear() // the callbacks (and what they close over) are not kept alive by the tracker
    },
  }
}
