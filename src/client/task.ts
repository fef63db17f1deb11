import type { ComfyTetherError } from '../core/errors'
import type { TaskAction, TaskModel, TaskWorkflow } from '../core/task-reducer'
import type { ComfyTask } from '../core/task-state'
import type { ComfyWorkflow } from '../core/validate-input'
import type { ComfyTaskResult } from './types'
import { reduceTask } from '../core/task-reducer'

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
 * {@link Task.dispatch}, which runs the one reducer (`reduceTask`) and then tells its owner.
 */
export class Task {
  #model: TaskModel
  readonly #owner: TaskOwner
  #outcome: Outcome | undefined
  #waiters: { resolve: (r: ComfyTaskResult) => void, reject: (e: ComfyTetherError) => void }[] = []
  /** The prompt while its `POST /prompt` is unanswered (or not sent yet), for a resend under the same id. */
  unsent: UnsentPrompt | undefined
  /** `POST /prompt` is in flight: the server may have the task even before it answers. */
  sending = false
  /** The object URL of the latest preview, while the task runs. */
  previewUrl: string | undefined

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
    return this.#model.workflow
  }

  /** Has its result been settled (it ended, or the client was disposed)? */
  get settled(): boolean {
    return this.#outcome !== undefined
  }

  /** Applies `action` through the one reducer; the owner hears of it only when something changed. */
  dispatch(action: TaskAction): void {
    const previous = this.#model
    const next = reduceTask(previous, action)
    if (next === previous)
      return
    this.#model = next
    this.#owner.changed(this, previous)
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
