// The errors a task ends with when its server says so (a node raised, the prompt was interrupted or cancelled): only
// code in the background chunk (frame rules, reconcile, cancel) makes them, so they are not startup code. errors.ts
// holds the base class and the errors startup code throws; `comfy-tether` and `comfy-tether/core` export these as before.
import type { TaskCancelHow } from './errors'
import { ComfyTetherError } from './errors'

/** A node raised while the prompt ran (`execution_error`). */
export class ExecutionFailedError extends ComfyTetherError {
  override readonly name = 'ExecutionFailedError'
  declare readonly code: 'EXECUTION_FAILED'
  constructor(
    readonly server: string,
    readonly promptId: string,
    readonly nodeId: string,
    readonly nodeType: string,
    readonly exceptionType: string,
    readonly exceptionMessage: string,
    readonly traceback: readonly string[] = [],
  ) {
    super('EXECUTION_FAILED', `Task ${promptId} failed on "${server}" at node ${nodeId} (${nodeType}): ${exceptionType}: ${exceptionMessage.trim()}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' See error.traceback; fix the node\'s inputs and submit again.' : ' See error.traceback.'}`)
  }
}

/** The prompt was interrupted on its server (by this client or another). */
export class TaskInterruptedError extends ComfyTetherError {
  override readonly name = 'TaskInterruptedError'
  declare readonly code: 'TASK_INTERRUPTED'
  constructor(readonly server: string, readonly promptId: string, readonly nodeId?: string) {
    super('TASK_INTERRUPTED', `Task ${promptId} was interrupted on "${server}"${nodeId ? ` at node ${nodeId}` : ''}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Submit it again if you still want its result.' : ' Submit it again for its result.'}`)
  }
}

/** The task was cancelled by this client before it ran. */
export class TaskCancelledError extends ComfyTetherError {
  override readonly name = 'TaskCancelledError'
  declare readonly code: 'TASK_CANCELLED'
  /** How: removed from the queue, interrupted while it ran, or stopped before it was sent. */
  constructor(readonly server: string, readonly promptId: string, readonly how: TaskCancelHow = 'dequeued') {
    const what = how === 'interrupted' ? `interrupted while it ran on "${server}"` : how === 'not-sent' ? `stopped before it was sent to "${server}"` : `removed from the queue of "${server}"`
    super('TASK_CANCELLED', `Task ${promptId} was cancelled and ${what}.`)
  }
}
