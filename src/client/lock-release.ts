// The release of a lock once its server has no task pending (after `releaseDelay`), in the background chunk: a task
// ends only through that chunk's parts (frames, reconcile, cancel), or by `abandon()`, which releases the lock itself.
import type { Engine } from './engine'
import type { ServerTether } from './server-tether'

/** Schedules and calls off the release of each locked server's lock; `closeTether` is tethers.ts's. */
export function createLockRelease(engine: Engine, closeTether: (tether: ServerTether, why: string) => void) {
  const { state, options } = engine
  /** Per server, the cancel of its pending lock release. */
  const timers = new Map<string, () => void>()
  return {
    /** Releases `server`'s lock after `releaseDelay` if no task is pending there by then. */
    schedule(server: string): void {
      if (!state.tethers.has(server) || engine.cache.pendingTasksOn(server).size > 0 || timers.has(server))
        return
      const cancel = engine.after(options.releaseDelay, () => {
        timers.delete(server)
        const current = state.tethers.get(server)
        if (current && state.pendingOn(server).length === 0)
          closeTether(current, 'no task pending')
      })
      timers.set(server, () => {
        cancel()
        timers.delete(server)
      })
    },
    /** A task needs `server` again (or its lock is released now): its pending release, if any, is called off. */
    cancel: (server: string): void => timers.get(server)?.(),
  }
}
