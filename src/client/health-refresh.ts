import type { ServerStatus } from '../core/server-pool'
import { isComfyTetherError } from '../core/errors'
import { describeFailure } from './server-probes'

/**
 * How long placement waits for more health answers once one server answered healthy. A server that answers later
 * (or never: a black-holed host) is left out of this choice; its answer, when it comes, counts for the next one.
 */
export const PLACEMENT_WINDOW_MS = 250

/** What the health checks need from the store. */
export interface HealthRefreshContext {
  /** The client's clock (its timer provider's `now`). */
  now: () => number
  /** A timer of the client's provider; returns its cancel. */
  after: (ms: number, callback: () => void) => () => void
  /** `GET /prompt` of one server: its queue length. */
  check: (url: string) => Promise<number>
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  /** A check got no answer (refused, timed out, a gateway's 502-504): `why` says what failed. */
  onUnreachable?: (url: string, why: string) => void
  windowMs?: number
}

/**
 * Health checks that never make placement wait for the slowest server: `refresh(urls)` resolves when every check
 * answered, or when the window after the start has passed and at least one server answered healthy. A check still
 * running then marks its server as not answering (so it is not chosen on stale health) and keeps running: one check
 * per server at a time, whose late answer updates the server's status.
 */
export function createHealthRefresh(ctx: HealthRefreshContext): { refresh: (urls: readonly string[]) => Promise<void>, dispose: () => void } {
  const windowMs = ctx.windowMs ?? PLACEMENT_WINDOW_MS
  const inFlight = new Map<string, Promise<boolean>>()
  const timers = new Set<() => void>()
  /** Refreshes still waiting: disposal ends them (a black-holed check may never answer). */
  const waiting = new Set<() => void>()
  let disposed = false

  function checkOne(url: string): Promise<boolean> {
    let running = inFlight.get(url)
    if (!running) {
      running = ctx.check(url).then(
        (queueRemaining) => {
          if (!disposed)
            ctx.updateServer(url, { health: 'healthy', queueRemaining, error: null, unreachableSince: null })
          return true
        },
        (error: unknown) => {
          if (disposed)
            return false
          const why = `GET /prompt failed: ${describeFailure(error)}`
          // No answer at all starts (or continues) an outage; an answer that is an error (500, a protocol error) does not.
          const noAnswer = isComfyTetherError(error, 'SERVER_UNREACHABLE')
          ctx.updateServer(url, { health: 'unreachable', error: why, ...(noAnswer ? { unreachableSince: ctx.now() } : {}) })
          if (noAnswer)
            ctx.onUnreachable?.(url, why)
          return false
        },
      ).finally(() => inFlight.delete(url))
      inFlight.set(url, running)
    }
    return running
  }

  function refresh(urls: readonly string[]): Promise<void> {
    const answered = new Set<string>()
    let healthy = 0
    let windowOver = false
    return new Promise<void>((resolve) => {
      let done = false
      const finish = (): void => {
        if (done)
          return
        done = true
        waiting.delete(finish)
        timer()
        timers.delete(timer)
        for (const url of urls) {
          if (!answered.has(url) && !disposed)
            ctx.updateServer(url, { health: 'unreachable', error: `no answer to GET /prompt within ${windowMs} ms (still waiting for it)` })
        }
        resolve()
      }
      const timer = ctx.after(windowMs, () => {
        timers.delete(timer)
        windowOver = true
        if (healthy > 0)
          finish()
      })
      timers.add(timer)
      let settled = 0
      for (const url of urls) {
        void checkOne(url).then((ok) => {
          answered.add(url)
          settled++
          if (ok)
            healthy++
          if (settled === urls.length || (windowOver && healthy > 0) || disposed)
            finish()
        })
      }
      waiting.add(finish)
      if (urls.length === 0)
        finish()
    })
  }

  return {
    refresh,
    dispose() {
      disposed = true
      for (const finish of [...waiting]) finish()
      for (const cancel of timers) cancel()
      timers.clear()
    },
  }
}
