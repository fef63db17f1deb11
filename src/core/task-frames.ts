// The rules of socket frames for a task (what a message or a preview changes, which task a message is about): they run
// only once frames arrive, so they live apart from task-state.ts, which the startup code needs (the frame router's
// chunk passes them to the reducer, see FrameRules in task-reducer.ts).
import type { ComfyMessage } from './protocol'
import type { ComfyTask, TaskPreview } from './task-state'
import { ExecutionFailedError, TaskCancelledError, TaskInterruptedError } from './task-errors'
import { collectOutputImages } from './outputs'
import { copyTask, end, isTerminal, updateTask } from './task-state'

/**
 * The task's id that a message is about, or `undefined` when it concerns none of ours. The reconnect hint
 * (`executing` without `prompt_id`) is attributed to `runningPromptId`: the running task of the locked server.
 */
export function messagePromptId(message: ComfyMessage, runningPromptId: string | undefined): string | undefined {
  switch (message.type) {
    case 'executing':
      return message.data.prompt_id ?? (message.data.node !== null ? runningPromptId : undefined)
    case 'execution_start':
    case 'execution_cached':
    case 'executed':
    case 'execution_success':
    case 'execution_error':
    case 'execution_interrupted':
    case 'progress_state':
      return message.data.prompt_id
    case 'progress':
      return message.data.prompt_id ?? runningPromptId
    default:
      return undefined
  }
}

/**
 * Applies one socket message to a task. Pure: returns the same object when nothing changes, so duplicates,
 * late frames after the end and out-of-order progress are ignored by identity.
 */
export function applyMessage(task: ComfyTask, message: ComfyMessage, now: number): ComfyTask {
  if (isTerminal(task.state))
    return task
  switch (message.type) {
    case 'execution_start':
      return toRunning(task, now)
    case 'execution_cached':
      return task.state === 'running' ? task : toRunning(task, now)
    case 'executing': {
      const node = message.data.node
      if (node === null)
        return task // the legacy "done" marker; execution_success/error/interrupted decide the end
      if (task.node === node && task.state === 'running')
        return task
      // Named stores on a fresh copy, not a `changes` object: the hot frames (executing, progress) take this path.
      const next = copyTask(toRunning(task, now))
      next.node = node
      next.progress = task.progress?.node === node ? task.progress : null
      return next
    }
    case 'progress': {
      const { value, max } = message.data
      const node = message.data.node ?? task.node
      const previous = task.progress
      if (previous && previous.node === node && previous.max === max && value <= previous.value)
        return task
      const next = copyTask(toRunning(task, now))
      next.progress = { value, max, node }
      return next
    }
    case 'executed': {
      const { node, output } = message.data
      if (output === null)
        return toRunning(task, now) // a cached node without UI output: ComfyUI sends `output: null`
      const outputs = { ...task.outputs, [node]: output }
      return updateTask(toRunning(task, now), { outputs, images: collectOutputImages(outputs) })
    }
    case 'execution_success':
      return updateTask(task, { state: 'succeeded', node: null, preview: null, endedAt: now, startedAt: task.startedAt ?? now, unconfirmed: false, missingSince: null })
    case 'execution_error': {
      const d = message.data
      const error = new ExecutionFailedError(task.server, task.promptId, String(d.node_id), String(d.node_type), String(d.exception_type), String(d.exception_message), d.traceback ?? [])
      return end(task, 'failed', error, now)
    }
    case 'execution_interrupted':
      return task.cancelRequested
        ? end(task, 'cancelled', new TaskCancelledError(task.server, task.promptId, 'interrupted'), now)
        : end(task, 'interrupted', new TaskInterruptedError(task.server, task.promptId, message.data.node_id ?? undefined), now)
    default:
      return task
  }
}

/** Attaches a preview frame to a running task. */
export function applyPreview(task: ComfyTask, preview: TaskPreview): ComfyTask {
  if (isTerminal(task.state))
    return task
  return updateTask(task, { preview })
}

/** The task running from `now` on. */
function toRunning(task: ComfyTask, now: number): ComfyTask {
  if (task.state === 'running')
    return task
  return updateTask(task, { state: 'running', startedAt: task.startedAt ?? now, queuedAt: task.queuedAt ?? now })
}
