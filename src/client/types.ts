import type { ComfyTask } from '../core/task-state'
import type { TaskWorkflowView } from './workflow-insight'
import type { ComfyImageRef } from '../core/api-types'
import type { OutputFile } from '../core/outputs'
import type { ServerLock } from '../core/server-lock'
import type { ComfyTaskEvent } from './task-cache'

/** Options of one `submit()`. */
export interface SubmitOptions {
  /** Images to upload before queueing, keyed by the id of their `LoadImage` node; the node's `image` input is set to the uploaded name. */
  images?: Record<string, Blob>
  /** Passed to ComfyUI as `extra_data`. */
  extraData?: Record<string, unknown>
  /**
   * Check the workflow against the server's `/object_info` before `POST /prompt`, and place it only on servers that
   * have its node types and models. `false` sends it unchecked, wherever placement puts it.
   * @default true
   */
  validate?: boolean
  /**
   * Run the task on this configured server (affinity `'task'` only) instead of letting placement choose: for a caller
   * that places tasks itself, e.g. under a fleet-wide cap. The workflow is still checked against that server, and
   * the client's own `maxTasksPerServer` does not apply to it. A server that is not configured is refused with
   * `INVALID_SERVER_URL`.
   */
  server?: string
  /**
   * Awaited just before `POST /prompt` (after placement and uploads) with the task's record: where it goes, the
   * prompt id minted for it and the client id. Write it to durable storage here, so that another process can follow
   * the prompt with `resume()` if this one dies. If it throws, the prompt is not sent and the task fails.
   */
  onBeforeSend?: (record: ComfyTaskRecord) => void | Promise<void>
}

/** Where a task's prompt goes, known before it is sent: what another process needs to follow it (`resume()`). */
export interface ComfyTaskRecord {
  /** The task's server (normalized base URL). */
  server: string
  /** The prompt id minted by the client, sent with `POST /prompt`. */
  promptId: string
  /** The client id the prompt is sent with (its progress frames go to sockets of this id). */
  clientId: string
}

/** What a finished task produced. */
export interface ComfyTaskResult {
  promptId: string
  server: string
  outputs: Record<string, Record<string, unknown>>
  images: ComfyImageRef[]
  /** `/view` URLs of the images, on the task's own server. */
  imageUrls: string[]
  /** Every output file by kind (images, animations, videos, audio, 3D, other), with its `/view` URL on the task's server. */
  files: OutputFile[]
}

/** The socket's health as the client shows it. */
export interface ComfySocketState {
  status: 'OPEN' | 'CONNECTING' | 'CLOSED'
  /** Reconnect attempts since the socket was last open. */
  attempts: number
  /**
   * Epoch ms of the last frame received, or `null`. Refreshed at most once per {@link LAST_FRAME_REFRESH_MS}: a socket
   * state change notifies every subscriber, and a running task sends dozens of frames a second.
   */
  lastMessageAt: number | null
  /** Epoch ms the socket last opened, or `null`. */
  openedAt: number | null
  /** Close code of the last close, or `null`. */
  lastCloseCode: number | null
}

/** A snapshot of the locks, sockets and pending tasks, for the console. */
export interface LockDebugInfo {
  affinity: 'session' | 'task'
  /** The session lock (`affinity: 'session'`), else `null`. */
  lock: ServerLock | null
  /** Every locked server. */
  locks: ServerLock[]
  clientId: string
  /** The socket of the session lock, or of the task's server when a prompt id was given. */
  socket: (ComfySocketState & { url: string | null }) | null
  sockets: Record<string, ComfySocketState>
  pending: { promptId: string, state: string, server: string }[]
  unreachableSince: number | null
  malformedFrames: number
}

/** The socket state shown while no socket exists. */
/** How stale {@link ComfySocketState.lastMessageAt} may get while frames keep arriving. */
export const LAST_FRAME_REFRESH_MS = 1000

/** Whether a frame received at `now` should refresh `lastMessageAt` (the first frame, then once per second). */
export function shouldRefreshLastFrame(state: ComfySocketState, now: number): boolean {
  return state.lastMessageAt === null || now - state.lastMessageAt >= LAST_FRAME_REFRESH_MS || now < state.lastMessageAt
}

export const CLOSED_SOCKET: ComfySocketState = Object.freeze({ status: 'CLOSED', attempts: 0, lastMessageAt: null, openedAt: null, lastCloseCode: null })

/**
 * A change of the client beyond its tasks, as `subscribe()` listeners get it: `'locks'` (locks, sockets, outages),
 * `'servers'`, `'log'`, `'ready'`, `'clientId'`, `'malformedFrames'`.
 */
export type ComfyClientStateChange = 'locks' | 'servers' | 'log' | 'ready' | 'clientId' | 'malformedFrames'

/**
 * What `subscribe()` listeners get: a typed event per change. A task's change (its state, progress, preview, workflow
 * view) is `{ type: 'added' | 'updated' | 'removed', task }` with the task's snapshot after it; anything else is
 * `{ type }` naming what changed.
 */
export type ComfyClientEvent = ComfyTaskEvent | { type: ComfyClientStateChange }

/** The handle `submit()` of the client returns once the task has its server. */
export interface ComfyClientTaskHandle {
  /** The id the task was queued under (an old server may re-key it; `task` follows). */
  promptId: string
  /** The task now, or `undefined` once it was dropped from the retained tasks. */
  readonly task: ComfyTask | undefined
  /** The whole workflow's progress, queue position, ETA, normalised outputs and the template values used. */
  readonly workflow: TaskWorkflowView | undefined
  /** Resolves with the outputs when the task succeeds; rejects with its typed error otherwise. */
  result: Promise<ComfyTaskResult>
}
