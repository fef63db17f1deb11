import type { HistoryEntry } from './api-types'
import type { ComfyTask } from './task-state'
import { ExecutionFailedError, TaskCancelledError, TaskInterruptedError } from './task-errors'
import { collectOutputImages, historyOutcome } from './history-outcome'
import { endTask, isTerminal, updateTask } from './task-state'

// A task against what its server says (`/history`, `/queue`): only lazily loaded parts use it (the reconcile pass,
// cancel, the frame router), so it is a module apart from the reducer the startup code keeps.

/** Evidence about a task gathered from its server's `/history/{id}` and `/queue`. */
export interface ServerEvidence {
  /** The history entry, `null` if the server has none (`{}`). */
  history: HistoryEntry | null
  /** Where `/queue` has it: `'running'`, `'pending'` or `null` (absent). `undefined` when `/queue` was not asked. */
  queue: 'running' | 'pending' | null | undefined
}

/**
 * Reconcile one pending task with what its server says. A terminal history entry ends it; a queue entry keeps it
 * alive; absence from both starts a grace period after which the task is `lost` (the caller builds the error, since
 * only it knows whether the server restarted).
 */
export function reconcileTask(task: ComfyTask, evidence: ServerEvidence, now: number, lostGraceMs: number): ComfyTask | 'lost' {
  if (isTerminal(task.state))
    return task
  if (evidence.history) {
    const outcome = historyOutcome(evidence.history)
    // The history is the authority on outputs once the prompt ended: frames may have been lost, cut or malformed.
    const outputs = outcome.state === 'running' ? { ...task.outputs, ...evidence.history.outputs } : { ...evidence.history.outputs }
    const base = updateTask(task, { outputs, images: collectOutputImages(outputs), unconfirmed: false, missingSince: null })
    switch (outcome.state) {
      case 'succeeded':
        return updateTask(base, { state: 'succeeded', node: null, preview: null, endedAt: now, startedAt: task.startedAt ?? now })
      case 'failed': {
        const e = outcome.error
        return endTask(base, 'failed', new ExecutionFailedError(task.server, task.promptId, e.node_id, e.node_type, e.exception_type, e.exception_message, e.traceback), now)
      }
      case 'interrupted':
        return task.cancelRequested
          ? endTask(base, 'cancelled', new TaskCancelledError(task.server, task.promptId, 'interrupted'), now)
          : endTask(base, 'interrupted', new TaskInterruptedError(task.server, task.promptId, outcome.nodeId), now)
      default:
        return updateTask(base, { state: 'running' })
    }
  }
  if (evidence.queue === 'running')
    return task.state === 'running' && task.missingSince === null && !task.unconfirmed ? task : updateTask(task, task.state === 'running' ? { unconfirmed: false, missingSince: null } : { state: 'running', startedAt: task.startedAt ?? now, queuedAt: task.queuedAt ?? now, unconfirmed: false, missingSince: null })
  if (evidence.queue === 'pending') {
    const state = task.state === 'preparing' ? 'queued' : task.state
    return task.missingSince === null && !task.unconfirmed && state === task.state ? task : updateTask(task, { state, unconfirmed: false, missingSince: null })
  }
  if (evidence.queue === undefined)
    return task
  if (task.state === 'preparing')
    return task
  if (task.missingSince === null)
    return updateTask(task, { missingSince: now })
  return now - task.missingSince >= lostGraceMs ? 'lost' : task
}
