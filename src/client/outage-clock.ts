import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ServerStatus } from '../core/server-pool'

/** What one server's outage clock needs. */
export interface OutageContext {
  server: string
  maxOutage: number
  after: (ms: number, callback: () => void) => () => void
  record: (kind: LockEventKind, message: string, extra?: Partial<LockEvent>) => void
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  /** `unreachableSince` changed. */
  changed: () => void
  /** The outage lasted longer than `maxOutage`: end the server's pending tasks as lost. */
  onExpired: () => void
}

/**
 * The outage rule of one locked server: started when a call or the socket finds it unreachable, stopped when it
 * answers again; after `maxOutage` its pending tasks are lost. Waiters (a submit that must not send into the outage)
 * wake when it ends either way.
 */
export function createOutageClock(ctx: OutageContext) {
  const { server, maxOutage } = ctx
  let since: number | null = null
  let cancelExpiry: (() => void) | undefined
  const waiters = new Set<() => void>()
  let stopped = false

  function wake(): void {
    for (const resolve of [...waiters]) resolve()
    waiters.clear()
  }

  return {
    /** Epoch ms the outage started, or `null`. */
    get since(): number | null {
      return since
    },
    /** Starts the clock if it is not running; `true` when it started now. */
    markUnreachable(): boolean {
      if (since !== null || stopped)
        return false
      since = Date.now()
      ctx.changed()
      ctx.updateServer(server, { health: 'unreachable' })
      ctx.record('outage', `${server} is unreachable; its tasks stay pending for up to ${maxOutage} ms`, { server })
      cancelExpiry = ctx.after(maxOutage, () => {
        cancelExpiry = undefined
        if (since === null || stopped)
          return
        ctx.record('outage', `${server} unreachable for longer than maxOutage (${maxOutage} ms): its pending tasks are lost`, { server, code: 'TASK_LOST' })
        ctx.onExpired()
        wake()
      })
      return true
    },
    /** The server answered: healthy, and the outage (if any) is over. */
    markReachable(): void {
      ctx.updateServer(server, { health: 'healthy', error: null })
      if (since === null)
        return
      since = null
      ctx.changed()
      cancelExpiry?.()
      cancelExpiry = undefined
      wake()
    },
    /** Resolves when the server is reachable (no outage), or at once if it is. */
    whenReachable(): Promise<void> {
      if (since === null || stopped)
        return Promise.resolve()
      return new Promise((resolve) => {
        waiters.add(resolve)
      })
    },
    /** The tether is gone: wake the waiters, start nothing more. */
    stop(): void {
      stopped = true
      wake()
    },
  }
}
