import type { ComputedRef } from 'vue'
import type { ComfyTask } from '../core/task-state'
import type { TaskWorkflowView } from '../client/workflow-insight'
import type { ComfyTaskResult } from '../client/types'

export type { ComfyTaskResult, LockDebugInfo, SubmitOptions } from '../client/types'
export { CLOSED_SOCKET } from '../client/types'

/** The handle `submit()` returns once the task has its server. */
export interface ComfyTaskHandle {
  promptId: string
  /** The task, reactive (it follows re-keying when an old server replaces the prompt id). */
  task: ComputedRef<ComfyTask | undefined>
  /** The whole workflow's progress, queue position, ETA, normalised outputs and the template values used. */
  workflow: ComputedRef<TaskWorkflowView | undefined>
  /** Resolves with the outputs when the task succeeds; rejects with its typed error otherwise. */
  result: Promise<ComfyTaskResult>
}
