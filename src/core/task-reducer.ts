import type { ComfyMessage } from './protocol'
import type { ComfyTask, TaskPreview } from './task-state'
import type { ComfyWorkflow } from './validate-input'
import type { ProgressFold, WorkflowProgress } from './workflow-progress'
import type { FilledWorkflow } from './workflow-template'
import { isTerminal, updateTask } from './task-state'

/** What a task knows of its workflow as a whole (for tasks submitted or resumed with their prompt). Plain data. */
export interface TaskWorkflow {
  /** The API-format prompt sent (for a UI-format workflow: its conversion). */
  prompt: ComfyWorkflow
  /** Identifies the workflow's graph, for the run times its ETA is estimated from. */
  key: string
  /** Template values and seeds, or `null` for a plain workflow. */
  filled: FilledWorkflow | null
  format: 'api' | 'ui'
  progress: WorkflowProgress
  /** Prompts ahead of it in its server's queue while it waits, once read; else `null`. */
  queuePosition: number | null
}

/**
 * The rules of socket frames (task-frames.ts, workflow-progress.ts), passed in by the frame router's chunk, which alone
 * sends frames and previews to tasks: the reducer is startup code, these rules run only once frames arrive.
 */
export interface FrameRules {
  /** What a socket message changes in a task (`applyMessage` of task-frames.ts). */
  applyMessage: (task: ComfyTask, message: ComfyMessage, now: number) => ComfyTask
  /** A preview attached to a task (`applyPreview` of task-frames.ts). */
  applyPreview: (task: ComfyTask, preview: TaskPreview) => ComfyTask
  /** The fold of a workflow's progress from `progress` on (`new ProgressFold(progress)`). */
  fold: (progress: WorkflowProgress) => ProgressFold
}

/** Everything the one reducer changes: the task (what the app sees) and its workflow's progress. */
export interface TaskModel {
  readonly task: ComfyTask
  readonly workflow: TaskWorkflow | null
}

/** The one way a task changes. Each action is applied by {@link reduceTask}. */
export type TaskAction =
  /** A socket frame about the task. `execution_success` moves only the workflow's progress: `/history` ends the task. */
  | { type: 'frame', message: ComfyMessage, at: number, rules: FrameRules }
  /** The end announced by `execution_success` but never stored in `/history`: the frames' outputs are all there is. */
  | { type: 'frames-final', message: ComfyMessage, at: number, rules: FrameRules }
  | { type: 'preview', preview: TaskPreview, rules: FrameRules }
  /** A state decided by a core rule (reconcile, end, cancel, placement): taken as it is. */
  | { type: 'set', task: ComfyTask }
  | { type: 'patch', changes: Partial<ComfyTask> }
  /**
   * The task is followed through its workflow from now on: its prompt, its graph's `workflowKey` and its progress before
   * the first frame (`startWorkflowProgress` of the nodes the server will run), computed by the caller's chunk.
   */
  | { type: 'track', prompt: ComfyWorkflow, filled: FilledWorkflow | null, key: string, progress: WorkflowProgress, format: 'api' | 'ui' }
  /** The server runs only these nodes (it ignores the outputs of a partly valid prompt). */
  | { type: 'retarget', nodes: readonly string[] }
  | { type: 'queue-position', position: number | null }
  /** The workflow's values changed in place (seeds fitted to the server): a new model, so observers look again. */
  | { type: 'touch' }

function withWorkflow(model: TaskModel, workflow: TaskWorkflow | null): TaskModel {
  return workflow === model.workflow ? model : { task: model.task, workflow }
}

/**
 * Folds a frame of a task into its workflow's progress (`fold`, kept by the task while it follows its workflow) and
 * tells whether observers should hear of it: the progress moved, or the prompt started (it left the queue, so its
 * queue position is gone). Frames of a task that ended move nothing.
 */
export function foldFrame(fold: ProgressFold, task: ComfyTask, message: ComfyMessage): boolean {
  if (isTerminal(task.state))
    return false
  return fold.apply(message) || message.type === 'execution_start'
}

/** `workflow` with a new progress (folded from frames): the task runs, so it has no queue position any more. */
export function withProgress(workflow: TaskWorkflow, progress: WorkflowProgress): TaskWorkflow {
  // A literal, not a spread: it runs each time a running task's view is read.
  return { prompt: workflow.prompt, key: workflow.key, filled: workflow.filled, format: workflow.format, progress, queuePosition: null }
}

/**
 * The `frame` action of {@link reduceTask}, for the task that applies a frame without building the action (one per
 * frame). The workflow's progress is folded by the task (see foldFrame), and read when someone reads it.
 */
export function reduceFrame(model: TaskModel, message: ComfyMessage, at: number, rules: FrameRules): TaskModel {
  const task = message.type === 'execution_success' ? model.task : rules.applyMessage(model.task, message, at)
  return task === model.task ? model : { task, workflow: model.workflow }
}

/**
 * The one reducer of a task: returns the next model, or `model` itself when the action changes nothing (a duplicate
 * frame, a frame of an ended task), so that nothing is told of a change that did not happen.
 */
export function reduceTask(model: TaskModel, action: TaskAction): TaskModel {
  switch (action.type) {
    case 'frame':
      return reduceFrame(model, action.message, action.at, action.rules)
    case 'frames-final': {
      const task = action.rules.applyMessage(model.task, action.message, action.at)
      return task === model.task ? model : { task, workflow: model.workflow }
    }
    case 'preview': {
      const task = action.rules.applyPreview(model.task, action.preview)
      return task === model.task ? model : { task, workflow: model.workflow }
    }
    case 'set':
      return action.task === model.task ? model : { task: action.task, workflow: model.workflow }
    case 'patch':
      return { task: updateTask(model.task, action.changes), workflow: model.workflow }
    case 'track':
      return withWorkflow(model, { prompt: action.prompt, key: action.key, filled: action.filled, format: action.format, progress: action.progress, queuePosition: null })
    case 'retarget': {
      const { workflow } = model
      if (!workflow)
        return model
      const keep = new Set(action.nodes)
      const progress = { ...workflow.progress, nodes: workflow.progress.nodes.filter(n => keep.has(n)), done: workflow.progress.done.filter(n => keep.has(n)) }
      return withWorkflow(model, { ...workflow, progress })
    }
    case 'queue-position':
      return !model.workflow || model.workflow.queuePosition === action.position ? model : withWorkflow(model, { ...model.workflow, queuePosition: action.position })
    case 'touch':
      return model.workflow ? withWorkflow(model, { ...model.workflow }) : model
  }
}
