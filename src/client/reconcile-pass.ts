import type { HistoryEntry } from '../core/api-types'
import type { RequestFailedError } from '../core/request-errors'
import type { ComfyTask } from '../core/task-state'
import type { ComfyApi } from '../http/comfy-api'
import type { ServerQueue, WaitingPrompts } from './server-queue'
import { ProtocolError, TaskLostError } from '../core/errors'
import { TaskCancelledError } from '../core/task-errors'
import { endTask, isTerminal } from '../core/task-state'
import { reconcileTask } from '../core/task-reconcile'
import { historyReadError, isAnsweredFailure, MAX_UNREADABLE_PASSES } from './history-failure'

/** A task's history as one pass read it: the entry (`null`: none), or the answered failure that kept it unread. */
interface HistoryRead {
  history: HistoryEntry | null
  failure?: RequestFailedError | ProtocolError
  /** Not read: the task had ended (or the client was disposed) before its turn came. */
  skipped?: boolean
}

/**
 * How many `/history/{id}` requests one reconcile pass makes at most (all at once); with more tasks off the queue it
 * reads the whole `GET /history` once instead, so a pass costs a few requests whatever the number of tasks.
 */
export const HISTORY_CONCURRENCY = 4
/** Passes a history entry may stay without `status` (and off the queue) before the task fails with a ProtocolError. */
export const MAX_STATUSLESS_PASSES = 3

/** What one pass needs from its tether. */
export interface ReconcilePassContext {
  /** The client's clock (its timer provider's `now`). */
  now: () => number
  server: string
  api: ComfyApi
  /** Where the server's queue is read (the jobs API where it has one). */
  queue: ServerQueue
  lostGraceMs: number
  getTask: (promptId: string) => ComfyTask | undefined
  /** A send of an unconfirmed prompt may be repeated: `true` when handled. */
  resubmit: (task: ComfyTask) => Promise<boolean>
  /** Did the server break (socket cut, outage, counter reset) after `since`? Then it may have restarted. */
  brokeSince: (since: number) => boolean
  /** Has the socket seen a break at all (for the error's reason)? */
  outageSeen: () => boolean
  isDisposed: () => boolean
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = Array.from({ length: items.length })
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index] as T)
    }
  })
  await Promise.all(lanes)
  return results
}

/**
 * One reconcile pass over `targets`: the queue once first (`GET /api/jobs?status=in_progress,pending` where the server
 * has the jobs API, else `/queue`), then the history of the tasks not on it: `/history/{id}` of each when they are
 * at most {@link HISTORY_CONCURRENCY}; else the jobs API's list of ended jobs says which have any (where the server has
 * it), and those are read, one by one when few, else with one `GET /history`. So a pass costs at most three requests
 * and a few, even for thousands of restored tasks. In that order a task moving from the queue into the history between the two answers is
 * still seen.
 * A confirmed task on neither, on a server that broke since it was confirmed, is lost now (the server restarted);
 * the grace period is kept for prompts whose answer was never seen. Returns the changed tasks, for the caller to apply.
 */
export function createReconcilePass(ctx: ReconcilePassContext): (targets: readonly ComfyTask[]) => Promise<ComfyTask[]> {
  const statusless = new Map<string, number>()
  /** Passes in a row whose `/history/{id}` read was answered with an error or an unreadable entry, by prompt id. */
  const unreadable = new Map<string, number>()

  return async (targets) => {
    const waiting: WaitingPrompts = await ctx.queue.waiting(ctx.server)
    const running = new Set(waiting.running)
    const pending = new Set(waiting.pending)
    const located = targets.map(target => ({ target, where: running.has(target.promptId) ? 'running' as const : pending.has(target.promptId) ? 'pending' as const : null }))
    const histories = await historiesOf(located.filter(l => l.where === null).map(l => l.target.promptId))
    const results = located.map(({ target, where }) => ({ target, where, history: histories.get(target.promptId)?.history ?? null, failure: histories.get(target.promptId)?.failure, skipped: histories.get(target.promptId)?.skipped }))
    const changed: ComfyTask[] = []
    for (const { target, where, history, failure, skipped } of results) {
      const current = ctx.getTask(target.promptId)
      if (skipped || !current || isTerminal(current.state) || ctx.isDisposed()) {
        unreadable.delete(target.promptId)
        continue
      }
      if (failure) {
        const passes = (unreadable.get(current.promptId) ?? 0) + 1
        unreadable.set(current.promptId, passes)
        if (passes >= MAX_UNREADABLE_PASSES) {
          unreadable.delete(current.promptId)
          changed.push(endTask(current, 'failed', historyReadError(failure, current.promptId, passes), ctx.now()))
        }
        continue
      }
      unreadable.delete(current.promptId)
      const settled = await settle(current, where, history)
      if (settled !== undefined && settled !== current)
        changed.push(settled)
    }
    return changed
  }

  /**
   * The history entries of tasks off the queue (`null`: none), in at most a few requests. A read answered with an
   * error or an unreadable entry is that task's `failure` (one task's bad entry must not stall the others); a server
   * that does not answer fails the whole pass.
   */
  async function historiesOf(off: string[]): Promise<Map<string, HistoryRead>> {
    const out = new Map<string, HistoryRead>()
    let ask = off
    if (off.length > HISTORY_CONCURRENCY) {
      // The jobs API lists the ended ones without their workflows: the rest have no history, and only the ended ones
      // are read (one whole GET /history is the fallback, and the way when many ended).
      const ended = await ctx.queue.ended(ctx.server)
      if (ended) {
        ask = off.filter(id => ended.has(id))
        for (const id of off) {
          if (!ended.has(id))
            out.set(id, { history: null })
        }
      }
    }
    const readOne = async (id: string): Promise<readonly [string, HistoryRead]> => {
      // A lane reaches a task only when an earlier read was answered, maybe long after the pass began: by then the
      // task may have ended, its lock been released and another server be held. Read only for a task still pending
      // (a request sent then would go off the held lock).
      const current = ctx.getTask(id)
      if (ctx.isDisposed() || !current || isTerminal(current.state))
        return [id, { history: null, skipped: true }]
      try {
        return [id, { history: await ctx.api.history(ctx.server, id) }]
      }
      catch (failure) {
        if (!isAnsweredFailure(failure))
          throw failure
        return [id, { history: null, failure }]
      }
    }
    if (ask.length <= HISTORY_CONCURRENCY) {
      for (const [id, read] of await mapBounded(ask, HISTORY_CONCURRENCY, readOne)) out.set(id, read)
      return out
    }
    try {
      for (const [id, entry] of await ctx.api.histories(ctx.server, ask)) out.set(id, { history: entry })
    }
    catch (failure) {
      if (!isAnsweredFailure(failure))
        throw failure
      for (const id of ask) out.set(id, { history: null, failure })
    }
    return out
  }

  async function settle(current: ComfyTask, where: 'running' | 'pending' | null, history: HistoryEntry | null): Promise<ComfyTask | undefined> {
    if (history && !history.status) {
      const passes = (statusless.get(current.promptId) ?? 0) + 1
      statusless.set(current.promptId, passes)
      if (passes >= MAX_STATUSLESS_PASSES) {
        statusless.delete(current.promptId)
        return endTask(current, 'failed', new ProtocolError(ctx.server, `GET /history/${current.promptId} keeps answering an entry without "status" (${passes} times) while the prompt is not on /queue; ComfyUI always records a status when a prompt ends`), ctx.now())
      }
    }
    else {
      statusless.delete(current.promptId)
    }
    // Cancelled, and now on neither /queue nor /history: our delete took it out (its confirmation may have been lost).
    if (where === null && !history && current.cancelRequested && !current.unconfirmed)
      return endTask(current, 'cancelled', new TaskCancelledError(ctx.server, current.promptId, 'dequeued'), ctx.now())
    const confirmed = !current.unconfirmed && current.state !== 'preparing'
    const restarted = where === null && !history && confirmed && ctx.brokeSince(current.queuedAt ?? current.createdAt)
    const next = restarted ? 'lost' : reconcileTask(current, { history, queue: history ? undefined : where }, ctx.now(), ctx.lostGraceMs)
    if (next === 'lost' && current.unconfirmed && await ctx.resubmit(current))
      return undefined
    if (next !== 'lost')
      return next
    // A confirmed task that vanished from both /queue and /history across a broken connection: the server
    // restarted. Without a break, or for a prompt the server never confirmed, all we know is that it is not there.
    const reason = (restarted || ctx.outageSeen()) && !current.unconfirmed ? 'server-restarted' : 'not-on-server'
    return endTask(current, 'lost', new TaskLostError(ctx.server, current.promptId, reason), ctx.now())
  }
}
