import type { ComfyTetherError } from '../core/errors'
import type { ComfyMessage } from '../core/protocol'
import type { FrameRules, TaskAction, TaskModel, TaskWorkflow } from '../core/task-reducer'
import type { ComfyTask } from '../core/task-state'
import type { ComfyWorkflow } from '../core/validate-input'
import type { ProgressFold } from '../core/workflow-progress'
import type { ComfyTaskResult } from './types'
import { foldFrame, reduceFrame, reduceTask, withProgress } from '../core/task-reducer'

/** A prompt sent whose answer never came, kept so it can be sent again under the same id (see `resubmit`). */
export interface UnsentPrompt {
  prompt: ComfyWorkflow
  extraData: Record<string, unknown> | undefined
  resends: number
}

/** What a task tells the cache that holds it. */
export interface TaskOwner {
  /** The task's model changed from `previous` (the only way anything learns of a change). */
  changed: (task: Task, previous: TaskModel) => void
}

type Outcome = { ok: true, value: ComfyTaskResult } | { ok: false, error: ComfyTetherError }

/**
 * One task of the client, and the one owner of everything about it: its state (a plain snapshot the app reads), its
 * workflow's progress, its result promise, its prompt while unconfirmed, its preview URL. It changes only through
 * {@link Task.dispatch}, which runs the one reducer (`reduceTask`) and then tells its owner. The progress of a followed
 * workflow is folded frame by frame into a mutable {@link ProgressFold} (a few lookups, no copy) and becomes plain data
 * when read: a UI reads it once per render, frames come many times a second. The fold is made by the first frame that
 * needs it, with the frame rules the frame router passes (so the startup code holds none of that code).
 */
export class Task {
  #model: TaskModel
  /** The workflow's progress being folded, from the first frame after the task started to follow its workflow. */
  #fold: ProgressFold | undefined
  /** The fold moved since `#model.workflow.progress` was built from it. */
  #folded = false
  readonly #owner: TaskOwner
  #outcome: Outcome | undefined
  #waiters: { resolve: (r: ComfyTaskResult) => void, reject: (e: ComfyTetherError) => void }[] = []
  /** The prompt while its `POST /prompt` is unanswered (or not sent yet), for a resend under the same id. */
  unsent: UnsentPrompt | undefined
  /** `POST /prompt` is in flight: the server may have the task even before it answers. */
  sending = false
  /** The object URL of the latest preview, while the task runs. */
  previewUrl: string | undefined
  /** @internal The set of pending tasks that holds it, kept by the cache (so a frame looks up no map). */
  pendingIn: Set<Task> | undefined

  constructor(task: ComfyTask, owner: TaskOwner) {
    this.#model = { task, workflow: null }
    this.#owner = owner
  }

  /** The task as the app sees it: an immutable snapshot, replaced on every change. */
  get snapshot(): ComfyTask {
    return this.#model.task
  }

  get promptId(): string {
    return this.#model.task.promptId
  }

  get server(): string {
    return this.#model.task.server
  }

  /** The workflow it runs, with its overall progress, if it was submitted (or resumed) with its prompt. */
  get workflow(): TaskWorkflow | null {
    return this.#current().workflow
  }

  /** Has its result been settled (it ended, or the client was disposed)? */
  get settled(): boolean {
    return this.#outcome !== undefined
  }

  /** Applies `action` through the one reducer; the owner hears of it only when something changed. */
  dispatch(action: TaskAction): void {
    if (action.type === 'frame')
      return this.frame(action.message, action.at, action.rules)
    const touchesWorkflow = action.type === 'track' || action.type === 'retarget' || action.type === 'queue-position' || action.type === 'touch'
    const previous = touchesWorkflow ? this.#current() : this.#model
    const next = reduceTask(previous, action)
    if (next === previous)
      return
    this.#model = next
    // A new progress (tracked, retargeted): the next frame folds it afresh.
    if (touchesWorkflow && this.#fold && next.workflow?.progress !== this.#fold.view())
      this.#fold = undefined
    this.#owner.changed(this, previous)
  }

  /**
   * A socket frame about the task (the `frame` action, without an action object per frame): the reducer moves the
   * task, the fold its workflow's progress; one change told for both. `rules`: the frame rules (from the frame router).
   */
  frame(message: ComfyMessage, at: number, rules: FrameRules): void {
    const previous = this.#model
    const next = reduceFrame(previous, message, at, rules)
    const workflow = previous.workflow
    // No fold yet means the model's progress is current (only frames move a fold ahead of it).
    const moved = workflow !== null && foldFrame(this.#fold ??= rules.fold(workflow.progress), previous.task, message)
    if (next === previous && !moved)
      return
    if (moved)
      this.#folded = true
    this.#model = next
    this.#owner.changed(this, previous)
  }

  /** The model with the folded progress in it (built now if frames moved it since). */
  #current(): TaskModel {
    if (this.#folded && this.#fold) {
      this.#folded = false
      const { task, workflow } = this.#model
      if (workflow)
        this.#model = { task, workflow: withProgress(workflow, this.#fold.view()) }
    }
    return this.#model
  }

  /** The result: resolves with the outputs when the task succeeds, rejects with its typed error otherwise. */
  result(): Promise<ComfyTaskResult> {
    const outcome = this.#outcome
    const promise = outcome
      ? (outcome.ok ? Promise.resolve(outcome.value) : Promise.reject(outcome.error))
      : new Promise<ComfyTaskResult>((resolve, reject) => void this.#waiters.push({ resolve, reject }))
    promise.catch(() => {}) // the app may never await it; the task's state carries the error either way
    return promise
  }

  /** Settles the result once (later calls are ignored): the task ended, or the client was disposed. */
  settle(outcome: Outcome): void {
    if (this.#outcome)
      return
    this.#outcome = outcome
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) {
      if (outcome.ok)
        waiter.resolve(outcome.value)
      else
        waiter.reject(outcome.error)
    }
  }
}
