import type { ComfyMessage } from './protocol'
import type { ComfyTask, TaskPreview } from './task-state'
import type { ComfyWorkflow } from './validate-input'
import type { WorkflowProgress } from './workflow-progress'
import type { FilledWorkflow } from './workflow-template'
import { applyMessage, applyPreview, isTerminal, updateTask } from './task-state'
import { advanceWorkflowProgress, startWorkflowProgress, workflowKey } from './workflow-progress'

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

/** Everything the one reducer changes: the task (what the app sees) and its workflow's progress. */
export interface TaskModel {
  readonly task: ComfyTask
  readonly workflow: TaskWorkflow | null
}

/** The one way a task changes. Each action is applied by {@link reduceTask}. */
export type TaskAction =
  /** A socket frame about the task. `execution_success` moves only the workflow's progress: `/history` ends the task. */
  | { type: 'frame', message: ComfyMessage, at: number }
  /** The end announced by `execution_success` but never stored in `/history`: the frames' outputs are all there is. */
  | { type: 'frames-final', message: ComfyMessage, at: number }
  | { type: 'preview', preview: TaskPreview }
  /** A state decided by a core rule (reconcile, end, cancel, placement): taken as it is. */
  | { type: 'set', task: ComfyTask }
  | { type: 'patch', changes: Partial<ComfyTask> }
  /** The task is followed through its workflow from now on (its prompt and the nodes the server will run). */
  | { type: 'track', prompt: ComfyWorkflow, filled: FilledWorkflow | null, nodes: readonly string[], format: 'api' | 'ui' }
  /** The server runs only these nodes (it ignores the outputs of a partly valid prompt). */
  | { type: 'retarget', nodes: readonly string[] }
  | { type: 'queue-position', position: number | null }
  /** The workflow's values changed in place (seeds fitted to the server): a new model, so observers look again. */
  | { type: 'touch' }

/** The message types that move a workflow's overall progress. */
const PROGRESS_TYPES: ReadonlySet<string> = new Set(['execution_start', 'execution_cached', 'executing', 'progress', 'progress_state', 'executed', 'execution_success'])

function withWorkflow(model: TaskModel, workflow: TaskWorkflow | null): TaskModel {
  return workflow === model.workflow ? model : { task: model.task, workflow }
}

function advance(model: TaskModel, message: ComfyMessage): TaskWorkflow | null {
  const { workflow } = model
  if (!workflow || !PROGRESS_TYPES.has(message.type) || isTerminal(model.task.state))
    return workflow
  const progress = advanceWorkflowProgress(workflow.progress, message)
  if (progress === workflow.progress && message.type !== 'execution_start')
    return workflow
  // A literal, not a spread: this runs on every progress frame of a followed task.
  return { prompt: workflow.prompt, key: workflow.key, filled: workflow.filled, format: workflow.format, progress, queuePosition: null }
}

/**
 * The one reducer of a task: returns the next model, or `model` itself when the action changes nothing (a duplicate
 * frame, a frame of an ended task), so that nothing is told of a change that did not happen.
 */
export function reduceTask(model: TaskModel, action: TaskAction): TaskModel {
  switch (action.type) {
    case 'frame': {
      const workflow = advance(model, action.message)
      const task = action.message.type === 'execution_success' ? model.task : applyMessage(model.task, action.message, action.at)
      return task === model.task && workflow === model.workflow ? model : { task, workflow }
    }
    case 'frames-final': {
      const task = applyMessage(model.task, action.message, action.at)
      return task === model.task ? model : { task, workflow: model.workflow }
    }
    case 'preview': {
      const task = applyPreview(model.task, action.preview)
      return task === model.task ? model : { task, workflow: model.workflow }
    }
    case 'set':
      return action.task === model.task ? model : { task: action.task, workflow: model.workflow }
    case 'patch':
      return { task: updateTask(model.task, action.changes), workflow: model.workflow }
    case 'track':
      return withWorkflow(model, { prompt: action.prompt, key: workflowKey(action.prompt), filled: action.filled, format: action.format, progress: startWorkflowProgress(action.nodes), queuePosition: null })
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
