import type { ComfyImageRef } from './api-types'
import type { ComfyNodeError, ComfyTetherError } from './errors'

/** Where a task is in its life. The last five are terminal. */
export type TaskState = 'preparing' | 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled' | 'lost'

/** Has the task ended (successfully or not)? */
export function isTerminal(state: TaskState): boolean {
  // Comparisons, not a Set lookup: this runs several times per socket frame.
  return state === 'succeeded' || state === 'failed' || state === 'interrupted' || state === 'cancelled' || state === 'lost'
}

/** The latest preview image of a task. */
export interface TaskPreview {
  mime: string
  bytes: Uint8Array
  nodeId: string | null
  receivedAt: number
}

/** One task: a workflow queued on one server under one prompt id. Plain data. */
export interface ComfyTask {
  promptId: string
  /** The server the task is tethered to (normalized base URL). */
  server: string
  clientId: string
  state: TaskState
  /** The node running now, if known. */
  node: string | null
  progress: { value: number, max: number, node: string | null } | null
  preview: TaskPreview | null
  /** Outputs by node id, from `executed` messages and `/history`. */
  outputs: Record<string, Record<string, unknown>>
  /** Every output image, in node order. */
  images: ComfyImageRef[]
  /** The server's queue number, from the `POST /prompt` answer. */
  number: number | null
  createdAt: number
  queuedAt: number | null
  startedAt: number | null
  endedAt: number | null
  error: ComfyTetherError | null
  /** The client asked to cancel it. */
  cancelRequested: boolean
  /** `POST /prompt` was sent but its answer never came: only the server can say whether it was queued. */
  unconfirmed: boolean
  /** Epoch ms since which reconcile has found the task neither in `/queue` nor in `/history`. */
  missingSince: number | null
  /**
   * The `node_errors` of the server's `POST /prompt` answer, by node id: what breaks some outputs of a workflow whose
   * other outputs passed. ComfyUI runs the outputs that pass and ignores the others (`dependent_outputs`). Empty when
   * every output passed. Not kept across a page reload.
   */
  nodeErrors: Readonly<Record<string, ComfyNodeError>>
}

/**
 * @internal A shallow copy of a task (task-frames.ts uses it too). An explicit literal: V8 copies it an order of magnitude faster than an object spread of
 * this many fields, and the reducer runs once per socket frame.
 */
export function copyTask(task: ComfyTask): ComfyTask {
  return {
    promptId: task.promptId,
    server: task.server,
    clientId: task.clientId,
    state: task.state,
    node: task.node,
    progress: task.progress,
    preview: task.preview,
    outputs: task.outputs,
    images: task.images,
    number: task.number,
    createdAt: task.createdAt,
    queuedAt: task.queuedAt,
    startedAt: task.startedAt,
    endedAt: task.endedAt,
    error: task.error,
    cancelRequested: task.cancelRequested,
    unconfirmed: task.unconfirmed,
    missingSince: task.missingSince,
    nodeErrors: task.nodeErrors,
  }
}

/** A shallow copy of a task with `changes` applied. */
export function updateTask(task: ComfyTask, changes: Partial<ComfyTask>): ComfyTask {
  const next = copyTask(task)
  for (const key in changes) (next as unknown as Record<string, unknown>)[key] = (changes as Record<string, unknown>)[key]
  return next
}

/** A new task, before its uploads and `POST /prompt`. */
export function createTask(input: { promptId: string, server: string, clientId: string, now: number }): ComfyTask {
  return {
    promptId: input.promptId,
    server: input.server,
    clientId: input.clientId,
    state: 'preparing',
    node: null,
    progress: null,
    preview: null,
    outputs: {},
    images: [],
    number: null,
    createdAt: input.now,
    queuedAt: null,
    startedAt: null,
    endedAt: null,
    error: null,
    cancelRequested: false,
    unconfirmed: false,
    missingSince: null,
    nodeErrors: {},
  }
}

/** Ends a task with a state and an error (no-op if already ended). */
export function endTask(task: ComfyTask, state: Exclude<TaskState, 'preparing' | 'queued' | 'running' | 'succeeded'>, error: ComfyTetherError, now: number): ComfyTask {
  return isTerminal(task.state) ? task : end(task, state, error, now)
}

/** @internal Ends a task that has not ended yet (task-frames.ts uses it too). */
export function end(task: ComfyTask, state: TaskState, error: ComfyTetherError, now: number): ComfyTask {
  // A finished task keeps its outputs, not its last preview: that frame is only worth memory while the task runs.
  return updateTask(task, { state, error, node: null, preview: null, endedAt: now, unconfirmed: false, missingSince: null })
}
