import type { ComfyImageRef } from '../core/api-types'
import type { LockEvent } from '../core/lock-log'
import type { ServerConsistency, ServerLock, UnlockCondition } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { WorkflowTemplate } from '../core/workflow-template'
import type { AxiosInstance } from 'axios'
import type { ObjectInfo } from '../core/object-info'
import type { LoadedImage } from '../http/load-image'
import type { UploadImageOptions } from './inspect'
import type { SocketUnavailable } from './server-tether'
import type { ComfyResumeOptions } from './resume'
import type { ComfySubmit } from './task-runner'
import type { ComfyClientEvent, ComfyClientTaskHandle, ComfySocketState, LockDebugInfo } from './types'
import type { TaskWorkflowView } from './workflow-insight'

/**
 * A comfy-tether client: the engine without a framework. Every property is plain data read at the moment; call
 * `subscribe()` to hear when it changes.
 */
export interface ComfyClient {
  /** `'session'` (one lock for the client) or `'task'` (a lock per task's server). */
  readonly affinity: 'session' | 'task'
  /** The `clientId` the sockets and `POST /prompt` carry. */
  readonly clientId: string
  /** `false` while a restored snapshot is checked (a duplicated tab?); submits wait for it. */
  readonly ready: boolean
  /** Every configured server with its last known health. */
  readonly servers: readonly ServerStatus[]
  /** Every task by prompt id (pending ones and up to `taskRetention` finished ones). */
  readonly tasks: ReadonlyMap<string, ComfyTask>
  /** The tasks, newest first. */
  readonly taskList: ComfyTask[]
  /** How many tasks have not ended. */
  readonly pendingCount: number
  /** The lock event log, oldest first, at most `logLimit` entries. */
  readonly log: readonly LockEvent[]
  /** How many malformed frames were ignored. */
  readonly malformedFrames: number
  /** The object URL of each running task's latest preview. */
  readonly previewUrls: ReadonlyMap<string, string>
  /** The session lock (`affinity: 'session'`), else `null`. */
  readonly lock: ServerLock | null
  /** Every locked server's lock. */
  readonly locks: ServerLock[]
  /** The session lock's socket. */
  readonly socket: ComfySocketState
  /** The socket of each locked server. */
  readonly sockets: Record<string, ComfySocketState>
  /** Since when (epoch ms) a locked server has been unreachable, or `null`. */
  readonly unreachableSince: number | null
  /** Per locked server whose socket upgrade is refused while HTTP answers: since when and why. */
  readonly socketUnavailable: Record<string, SocketUnavailable>
  /** `true` once `dispose()` ran. */
  readonly disposed: boolean
  /** The client's axios instance: relative URLs go to the locked server; requests elsewhere while locked are refused. */
  readonly http: AxiosInstance
  /**
   * Calls `listener` after every change of the state above with a typed event: `{ type: 'added' | 'updated' |
   * 'removed', task }` for a task (its snapshot after the change), `{ type: 'locks' | 'servers' | … }` for the rest.
   * Returns the unsubscribe.
   */
  subscribe: (listener: (event: ComfyClientEvent) => void) => () => void
  /**
   * Follows one task (like TanStack query's `QueryObserver`): `listener` gets the task's snapshot after each change of
   * it (state, progress, preview, workflow view), and `undefined` once the client no longer keeps it; it follows the
   * id an old server gave the task. Returns the unsubscribe.
   */
  observe: (promptId: string, listener: (task: ComfyTask | undefined) => void) => () => void
  /**
   * Submits a workflow (API or UI format), or a template with its values: locks a server that can run it (or uses
   * the locked one), uploads `images` there, queues it there under a prompt id minted here, and follows it to the end.
   * Resolves once the task has its server; `result` settles when the task ends.
   */
  submit: ComfySubmit
  /**
   * Cancels a task on its own server: a queued task is deleted from the queue, a running one is interrupted (only once
   * `/queue` shows it is ours that runs). Resolves when the request was sent (the task becomes `cancelled` when the
   * server confirms); rejects with the typed error of a failed request.
   */
  cancel: (promptId: string) => Promise<void>
  /**
   * Follows a prompt another process sent (its record written with `submit(…, { onBeforeSend })`) instead of sending
   * it again: the task becomes pending on its server and is reconciled with `/history` and the queue at once, under
   * the same lost rules as any task. A prompt that may not have reached the server is sent again under the same id
   * only when the server provably lacks it (see {@link ComfyResumeOptions.workflow}). Resolves with the task's handle.
   */
  resume: (options: ComfyResumeOptions) => Promise<ComfyClientTaskHandle>
  /** What each server lacks to run `workflow` (`[]`: it can; `null`: unknown). */
  canRunOn: (workflow: ComfyWorkflow | UiWorkflow | WorkflowTemplate) => Promise<Record<string, string[] | null>>
  /**
   * The whole `GET /object_info` of a server (every node class), read now. Submits never need it: they read and cache
   * only the classes a workflow uses.
   */
  objectInfo: (server: string) => Promise<ObjectInfo>
  /**
   * Reads again the node info cached for `server` (or for every server), e.g. after installing nodes or copying models
   * onto it. Rarely needed: it is read again by itself when a server restarted and before a workflow is refused.
   * Rejects with `INVALID_SERVER_URL` for a server that is not configured.
   */
  refreshNodeInfo: (server?: string) => Promise<void>
  /** The workflow view of a task (overall progress, queue position, ETA, outputs), if it was submitted by this client. */
  taskWorkflow: (promptId: string) => TaskWorkflowView | undefined
  /** Uploads an image of the app's own to the locked server (or the one a new task would use). */
  uploadImage: (file: Blob, options?: UploadImageOptions) => Promise<{ name: string, subfolder: string, type: string, server: string }>
  /** The `/view` URL of an image on a task's server (with the server's query credential if it has `auth.query`). */
  viewUrl: (image: ComfyImageRef, taskOrServer?: ComfyTask | string) => string
  /** Loads an image with its server's headers into a revocable object URL. */
  loadImage: (image: ComfyImageRef, taskOrServer?: ComfyTask | string) => Promise<LoadedImage>
  /** The server a call made now goes to (a task's own server when `promptId` is given). */
  getApiBaseUrl: (promptId?: string) => string | undefined
  /** Do the lock, the socket and the API base URL agree (for the session lock, or for one task's server)? */
  validateServerConsistency: (operation?: string, promptId?: string) => ServerConsistency
  /** May the lock (of the session, or of one server) be released now? */
  checkUnlockCondition: (server?: string) => UnlockCondition
  /** A plain snapshot of the locks, sockets and pending tasks (one task's view with `promptId`). */
  debugLock: (promptId?: string) => LockDebugInfo
  /** Releases the lock (of the session, or of `server`) now; `LockBusyError` while its tasks are pending. */
  release: (server?: string) => void
  /** Gives up a locked server (all without `server`): its pending tasks end `lost` (`abandoned`), the lock is released. */
  abandon: (server?: string) => void
  /** Asks `GET /prompt` of the servers (only the locked one while the session lock holds). */
  refreshServers: () => Promise<ServerStatus[]>
  /** Asks each locked server about its pending tasks now. */
  reconcileNow: () => Promise<void>
  /**
   * Closes the sockets, stops every timer, removes the interceptors and aborts the client's requests in flight. Every
   * promise it handed out settles: a task that already ended keeps its outcome (also when a `subscribe()` listener
   * disposes on hearing of it); the results still pending, and every call in progress or made afterwards, reject with
   * `CLIENT_DISPOSED`. Nothing is opened or sent after it, so a Node process can exit.
   */
  dispose: () => void
}
