import type { ComfyTetherError } from '../core/errors'
import type { TaskModel } from '../core/task-reducer'
import type { ComfyTask } from '../core/task-state'
import type { ComfyTaskResult } from './types'
import { TaskLostError } from '../core/errors'
import { isTerminal } from '../core/task-state'
import { Task } from './task'

/** A change of one task, as `subscribe()` listeners get it. `task` is the snapshot after the change. */
export interface ComfyTaskEvent {
  type: 'added' | 'updated' | 'removed'
  task: ComfyTask
}

/** What the cache asks of the client that holds it. */
export interface TaskCacheDeps {
  /** How many ended tasks are kept (the oldest ended go first). */
  retention: number
  /** The outputs of a task that succeeded, as its result promise resolves with them. */
  resultOf: (task: Task) => ComfyTaskResult
  /** Could the server have this task (its `POST /prompt` sent)? For the error of a task that ended without one. */
  wasSent: (task: Task) => boolean
  /** Called for each change before any listener: the client's own rules (persist, release, the end of a task). */
  onChange: (task: Task, previous: ComfyTask | undefined, ended: boolean) => void
  /** A listener threw: reported, never thrown into the change that told it. */
  onListenerError: (error: unknown) => void
}

/**
 * The client's tasks: the one map of {@link Task} objects by prompt id, the pending ones (indexed by server), renames
 * by an old server, and retention of ended tasks. Every change of a task reaches listeners as one typed event, after
 * its result was settled (a listener may dispose the client on the end of a task: the outcome is known by then).
 */
export class TaskCache {
  readonly #tasks = new Map<string, Task>()
  /** The snapshots by prompt id: the client's public `tasks` map (kept in step, so reads cost nothing). */
  readonly snapshots = new Map<string, ComfyTask>()
  /** Object URLs of the running tasks' latest previews: the client's public `previewUrls`. */
  readonly previewUrls = new Map<string, string>()
  readonly #pending = new Map<string, Set<Task>>()
  #pendingCount = 0
  /** Old prompt ids of tasks an old server re-keyed. */
  readonly #renamed = new Map<string, string>()
  /** Ended tasks in the order they ended: the oldest go first when more than `retention` are kept. */
  readonly #endOrder = new Set<string>()
  readonly #listeners = new Set<(event: ComfyTaskEvent) => void>()
  readonly #endListeners = new Set<(task: ComfyTask) => void>()
  readonly #deps: TaskCacheDeps
  readonly #owner = { changed: (task: Task, previous: TaskModel) => this.#changed(task, previous.task) }

  constructor(deps: TaskCacheDeps) {
    this.#deps = deps
  }

  /** The current id of a task (an old server may have re-keyed it). */
  currentId(promptId: string): string {
    return this.#renamed.size === 0 ? promptId : this.#renamed.get(promptId) ?? promptId
  }

  /** The task of `promptId` (following a rename), if the cache holds it. */
  get(promptId: string): Task | undefined {
    return this.#tasks.get(this.currentId(promptId))
  }

  /** The snapshot of `promptId` (following a rename). */
  snapshot(promptId: string): ComfyTask | undefined {
    return this.#tasks.get(this.currentId(promptId))?.snapshot
  }

  /** Adds a task (a new one, or one restored after a reload), or sets the state of the one it has under that id. */
  put(snapshot: ComfyTask): Task {
    const existing = this.#tasks.get(snapshot.promptId)
    if (existing) {
      existing.dispatch({ type: 'set', task: snapshot })
      return existing
    }
    const task = new Task(snapshot, this.#owner)
    this.#renamed.delete(snapshot.promptId) // a new task under an id a rename pointed elsewhere: the id is its own now
    this.#tasks.set(snapshot.promptId, task)
    this.#changed(task, undefined)
    return task
  }

  /** The pending tasks tethered to `server`. */
  pendingOn(server: string): ComfyTask[] {
    const set = this.#pending.get(server)
    return set ? Array.from(set, t => t.snapshot) : []
  }

  /** The pending task objects of `server`. */
  pendingTasksOn(server: string): ReadonlySet<Task> {
    return this.#pending.get(server) ?? EMPTY
  }

  /** The tasks not ended yet, on every server. */
  * pending(): IterableIterator<Task> {
    for (const set of this.#pending.values()) yield * set
  }

  get pendingCount(): number {
    return this.#pendingCount
  }

  isPending(task: Task): boolean {
    return this.#pending.get(task.server)?.has(task) ?? false
  }

  /** Calls `listener` with every change until the returned function is called. */
  subscribe(listener: (event: ComfyTaskEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => void this.#listeners.delete(listener)
  }

  /**
   * Calls `listener` with each task that ends while pending (once per task), after the client's own rules and before
   * the `subscribe()` listeners: for the parts of the client that react to ends (placement frees a slot).
   */
  onEnded(listener: (task: ComfyTask) => void): () => void {
    this.#endListeners.add(listener)
    return () => void this.#endListeners.delete(listener)
  }

  /** Follows the task under the id an old server gave it (ComfyUI older than 0.3.45 ignores client ids). */
  rename(from: string, to: string): Task | undefined {
    const task = this.#tasks.get(from)
    if (!task)
      return undefined
    const wasPending = this.#removePending(task)
    this.#tasks.delete(from)
    this.snapshots.delete(from)
    this.#renamed.set(from, to)
    const url = this.previewUrls.get(from)
    if (url !== undefined) {
      this.previewUrls.delete(from)
      this.previewUrls.set(to, url)
    }
    this.#tasks.set(to, task)
    if (wasPending)
      this.#addPending(task) // under its server: the rename changes the id only
    task.dispatch({ type: 'patch', changes: { promptId: to } })
    return task
  }

  /** Sets (or, with `undefined`, revokes) the object URL of a task's latest preview. */
  setPreviewUrl(task: Task, url: string | undefined): void {
    const old = task.previewUrl
    task.previewUrl = url
    if (url === undefined)
      this.previewUrls.delete(task.promptId)
    else
      this.previewUrls.set(task.promptId, url)
    if (old !== undefined && typeof URL.revokeObjectURL === 'function')
      URL.revokeObjectURL(old)
  }

  /** Forgets one task (it starts again under the same id as a new task, e.g. resumed after it ended here). */
  forget(task: Task): void {
    if (this.#tasks.get(task.promptId) === task)
      this.#remove(task)
  }

  /** Forgets every task (a duplicated tab leaves them to the tab they belong to). */
  clear(): void {
    for (const task of [...this.#tasks.values()]) this.#remove(task)
    this.#pending.clear()
    this.#pendingCount = 0
  }

  /** Rejects every result not settled yet with `error` (the client was disposed) and revokes the previews. */
  dispose(errorOf: (task: Task) => ComfyTetherError): void {
    this.#listeners.clear()
    this.#endListeners.clear()
    for (const task of this.#tasks.values()) {
      task.settle({ ok: false, error: errorOf(task) })
      if (task.previewUrl !== undefined)
        this.setPreviewUrl(task, undefined)
    }
  }

  #changed(task: Task, previous: ComfyTask | undefined): void {
    const next = task.snapshot
    const id = next.promptId
    if (next !== previous) // else only its workflow's progress moved
      this.snapshots.set(id, next)
    let ended = false
    if (isTerminal(next.state)) {
      // The result settles before anyone is told the task ended (see the class comment).
      if (!task.settled)
        task.settle(next.state === 'succeeded' ? { ok: true, value: this.#deps.resultOf(task) } : { ok: false, error: next.error ?? new TaskLostError(next.server, id, 'not-on-server', this.#deps.wasSent(task)) })
      ended = this.#removePending(task)
      if (ended && task.previewUrl !== undefined)
        this.setPreviewUrl(task, undefined) // only running tasks show previews
      this.#endOrder.delete(id)
      this.#endOrder.add(id)
    }
    else if (previous?.server !== next.server || task.pendingIn === undefined) { // same server: pending there or nowhere
      if (previous)
        this.#removePending(task, previous.server)
      this.#addPending(task)
    }
    this.#deps.onChange(task, previous, ended)
    if (ended) {
      this.#prune()
      for (const listener of this.#endListeners) listener(next)
    }
    this.#emit({ type: previous ? 'updated' : 'added', task: next })
  }

  #emit(event: ComfyTaskEvent): void {
    // A Set visits what is added during the loop and skips what is deleted: no copy per change (one per frame).
    for (const listener of this.#listeners) {
      try {
        listener(event)
      }
      catch (error) {
        this.#deps.onListenerError(error)
      }
    }
  }

  #addPending(task: Task): void {
    let set = this.#pending.get(task.server)
    if (!set) {
      set = new Set()
      this.#pending.set(task.server, set)
    }
    if (!set.has(task)) {
      set.add(task)
      task.pendingIn = set
      this.#pendingCount++
    }
  }

  #removePending(task: Task, server = task.server): boolean {
    const set = this.#pending.get(server)
    if (!set?.delete(task))
      return false
    task.pendingIn = undefined
    this.#pendingCount--
    if (set.size === 0)
      this.#pending.delete(server)
    return true
  }

  #remove(task: Task): void {
    const id = task.promptId
    this.#removePending(task)
    this.#tasks.delete(id)
    this.snapshots.delete(id)
    this.#endOrder.delete(id)
    if (task.previewUrl !== undefined)
      this.setPreviewUrl(task, undefined)
    this.#emit({ type: 'removed', task: task.snapshot })
  }

  /** Forgets the longest-ended tasks beyond the retention (no scan or sort: `#endOrder` has them oldest first). */
  #prune(): void {
    let excess = this.#tasks.size - this.#pendingCount - this.#deps.retention
    for (const id of this.#endOrder) {
      if (excess <= 0)
        break
      this.#endOrder.delete(id)
      const task = this.#tasks.get(id)
      if (!task || !isTerminal(task.snapshot.state))
        continue // running again: no longer an ended task of ours
      this.#remove(task)
      excess--
    }
  }
}

const EMPTY: ReadonlySet<Task> = new Set()
