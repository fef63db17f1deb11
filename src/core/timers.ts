/** Timer functions, injectable so that fake timers and tests can drive them. */
export interface Timers {
  setTimeout: (callback: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
  now: () => number
}

/** The platform's timers, looked up at call time so `vi.useFakeTimers()` applies. */
export const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: handle => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => Date.now(),
}

/** A set of timers that can all be cleared at once, for `dispose()`. `after(Infinity, …)` arms nothing. */
export function createTimerGroup(timers: Timers = defaultTimers): {
  after: (ms: number, callback: () => void) => () => void
  clearAll: () => void
  readonly size: number
} {
  const handles = new Set<unknown>()
  return {
    after(ms, callback) {
      // Infinity means never (`maxOutage: Infinity`): no timer, where setTimeout would fire at once.
      if (ms === Number.POSITIVE_INFINITY)
        return () => {}
      const handle = timers.setTimeout(() => {
        handles.delete(handle)
        callback()
      }, ms)
      handles.add(handle)
      return () => {
        if (handles.delete(handle))
          timers.clearTimeout(handle)
      }
    },
    clearAll() {
      for (const handle of handles) timers.clearTimeout(handle)
      handles.clear()
    },
    get size() {
      return handles.size
    },
  }
}
