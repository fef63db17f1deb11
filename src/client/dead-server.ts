import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ComfyTask } from '../core/task-state'
import type { ServerTether } from './server-tether'
import { TaskLostError } from '../core/errors'
import { configuredServer } from '../core/server-identity'
import { endTask } from '../core/task-state'

/** What the rules for a dead locked server need from the store. */
export interface DeadServerContext {
  /** The client's clock (its timer provider's `now`). */
  now: () => number
  tethers: ReadonlyMap<string, ServerTether>
  /** The configured servers. */
  serverUrls: readonly string[]
  pendingOn: (server: string) => ComfyTask[]
  setTask: (task: ComfyTask) => void
  closeTether: (tether: ServerTether, why: string) => void
  record: (kind: LockEventKind, message: string, extra?: Partial<LockEvent>) => void
  /** Could the server have this task (its `POST /prompt` sent)? */
  wasSent: (task: ComfyTask) => boolean
}

/**
 * The app's way out of a dead locked server (`abandon`), and what a new submit does while it is down (`refuseIfDown`,
 * the rule of locked-server-down.ts, which only placement's choice in the background chunk runs).
 */
export function createDeadServerRules(ctx: DeadServerContext, refuseIfDown: (server: string) => void): { abandon: (server?: string) => void, refuseIfDown: (server: string) => void } {
  return {
    /**
     * Gives up a locked server (all of them without `server`): its pending tasks end `lost` with reason `abandoned`
     * (those never sent say so) and the lock is released at once, so new tasks can go elsewhere. Nothing is sent to it.
     */
    abandon(server) {
      // Any spelling of a configured server; one that is not configured is refused, never a silent no-op.
      const targets = server !== undefined ? [ctx.tethers.get(configuredServer(server, ctx.serverUrls, 'abandon'))].filter((t): t is ServerTether => !!t) : [...ctx.tethers.values()]
      for (const tether of targets) {
        const pending = ctx.pendingOn(tether.server)
        ctx.record('release', `abandoning ${tether.server}: ${pending.length} task(s) end lost`, { server: tether.server, code: 'TASK_LOST' })
        for (const task of pending)
          ctx.setTask(endTask(task, 'lost', new TaskLostError(tether.server, task.promptId, 'abandoned', ctx.wasSent(task)), ctx.now()))
        if (ctx.tethers.get(tether.server) === tether)
          ctx.closeTether(tether, 'abandoned by the app')
      }
    },
    refuseIfDown,
  }
}
