import type { ComfyTask } from '../core/task-state'
import type { ComfyApi } from '../http/comfy-api'
import type { ServerQueue } from './server-queue'
import { TaskCancelledError } from '../core/task-errors'
import { endTask, isTerminal } from '../core/task-state'
import { reconcileTask } from '../core/task-reconcile'

/** What cancelling needs from the store. */
export interface CancelContext {
  /** The client's clock (its timer provider's `now`). */
  now: () => number
  api: ComfyApi
  /** Cancel by id where the server has the jobs API. */
  queue: ServerQueue
  getTask: (promptId: string) => ComfyTask | undefined
  setTask: (task: ComfyTask) => void
  lostGraceMs: number
  /** Ask the task's server again soon (the interrupt's outcome comes by frame or by reconcile). */
  schedulePoll: (server: string) => void
  note: (task: ComfyTask, message: string) => void
  /** A cancel carried out in the background could not be: say why. */
  refused: (promptId: string, server: string | undefined, message: string, code: string | undefined) => void
}

/**
 * Cancels a task that was sent to its server. Where the server has the jobs API (ComfyUI 0.33 and later) one
 * `POST /api/jobs/{id}/cancel` does it: the server dequeues that prompt or interrupts it if it is the one running,
 * and touches nothing else. On older servers `/queue` is asked first: an interrupt is sent only while our prompt is
 * the one running there (servers before ComfyUI 0.3.57 ignore the `prompt_id` of `/interrupt` and stop whatever
 * runs, which may be another client's prompt). Otherwise the prompt is deleted from the queue (harmless when it is not
 * there, and it catches a prompt still on its way), and `/queue` is asked again in case it started meanwhile.
 */
export function createCanceller(ctx: CancelContext): { cancelOnServer: (promptId: string) => Promise<void>, cancelLater: (promptId: string) => void } {
  const { api } = ctx
  const live = (id: string): ComfyTask | undefined => {
    const task = ctx.getTask(id)
    return task && !isTerminal(task.state) ? task : undefined
  }

  async function interruptIfRunning(server: string, id: string): Promise<boolean> {
    const queue = await api.queue(server, id)
    if (!queue.running.includes(id))
      return false
    if (live(id))
      await api.interrupt(server, id)
    ctx.schedulePoll(server)
    return true
  }

  async function cancelOnServer(promptId: string): Promise<void> {
    const task = live(promptId)
    if (!task)
      return
    const { server } = task
    const byId = await ctx.queue.cancel(server, promptId)
    if (byId === true) {
      // Interrupted if it runs (its frames, or the next reconcile, say so), else dequeued: it leaves no trace.
      const waiting = await ctx.queue.waiting(server, promptId)
      if (waiting.running.includes(promptId) || waiting.pending.includes(promptId))
        return ctx.schedulePoll(server)
    }
    else if (byId === null) {
      if (await interruptIfRunning(server, promptId))
        return
      await api.deleteQueued(server, [promptId])
      if (!live(promptId) || await interruptIfRunning(server, promptId))
        return
    }
    if (!live(promptId))
      return
    const history = await api.history(server, promptId)
    const latest = live(promptId)
    if (!latest)
      return
    if (!history)
      return ctx.setTask(endTask(latest, 'cancelled', new TaskCancelledError(server, promptId, 'dequeued'), ctx.now()))
    const next = reconcileTask(latest, { history, queue: undefined }, ctx.now(), ctx.lostGraceMs)
    if (next !== 'lost') {
      ctx.setTask(next)
      if (isTerminal(next.state) && next.state !== 'cancelled')
        ctx.note(next, `cancel of ${promptId} came too late: it had already ended ${next.state} on ${server}`)
    }
  }

  return {
    cancelOnServer,
    /** For a cancel made while `POST /prompt` was in flight: carried out once the answer came; failures are reported. */
    cancelLater(promptId) {
      const ended = ctx.getTask(promptId)
      if (ended && isTerminal(ended.state) && ended.state !== 'cancelled')
        return ctx.note(ended, `cancel of ${promptId} came too late: it had already ended ${ended.state} on ${ended.server}`)
      cancelOnServer(promptId).catch((error: unknown) => {
        const server = ctx.getTask(promptId)?.server
        const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined
        ctx.refused(promptId, server, `cancel of ${promptId} could not be carried out on ${server ?? 'its server'}: ${error instanceof Error ? error.message : String(error)}`, code)
      })
    },
  }
}
