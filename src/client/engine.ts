import type { QueryCredential } from '../core/server-url'
import type { LockReason } from '../core/server-lock'
import type { Timers } from '../core/timers'
import type { ComfyTask } from '../core/task-state'
import type { ComfyApi } from '../http/comfy-api'
import type { ComfyServerApi } from '../http/comfy-server-api'
import type { ClientState } from './client-state'
import type { NodeInfoCache } from './node-info-cache'
import type { ResolvedComfyOptions } from './options'
import type { ServerQueue } from './server-queue'
import type { ServerTether } from './server-tether'
import type { TaskCache } from './task-cache'
import type { LazyWorkflowInsight } from './load-workflow-insight'

/**
 * What the parts of one client (task runner, placement, tethers, inspection, resume, restore) are built with: its
 * options, its http calls, its task cache and its timer provider, and the lock operations of its tethers. It holds no
 * task state: each task's is in its Task, the map of them in the TaskCache. Internal.
 */
export interface Engine {
  options: ResolvedComfyOptions
  sessionMode: boolean
  serverUrls: string[]
  credentials: ReadonlyMap<string, QueryCredential | undefined>
  state: ClientState
  api: ComfyApi
  serverApi: ComfyServerApi
  /** Queue reads and cancel by id, through the jobs API where a server has it. */
  serverQueue: ServerQueue
  objectInfos: NodeInfoCache
  /** Every task of the client: the one owner of each task's state, result, unsent prompt and preview. */
  cache: TaskCache
  workflows: LazyWorkflowInsight
  /** The client's clock (the timer provider's `now`): every time stamp of the engine comes from it. */
  now: () => number
  /** The client's timer provider (the platform's, or the one given to `createComfyClient`). */
  timers: Timers
  /** A timer of the client's group (cleared on dispose). */
  after: (ms: number, callback: () => void) => () => void
  /** Per server: does it honour client prompt ids (ComfyUI ≥ 0.3.45)? Learned from answers, or from GET /features. */
  honoursIds: Map<string, boolean>
  isDisposed: () => boolean
  /**
   * Every await of submit, cancel and a task's background run goes through this: it settles like `work` while the
   * client lives, and rejects with `CLIENT_DISPOSED` as soon as it is disposed (see `disposal.ts`).
   */
  untilDisposed: <T>(operation: string, work: Promise<T>) => Promise<T>
  /** Adds a task, or sets the state of the one the cache has under its id (through its `dispatch`). */
  setTask: (task: ComfyTask) => void
  openTether: (server: string, reason: LockReason, since?: number) => ServerTether
  closeTether: (tether: ServerTether, why: string) => void
  scheduleRelease: (server: string) => void
  /** A task needs `server` again: its pending lock release (if any) is called off. */
  cancelRelease: (server: string) => void
  persist: () => void
  /** Opens a socket of `clientId` to `server` for a resumed prompt sent under that id, while it is pending. */
  followPrompt: (server: string, promptId: string, clientId: string) => void
  /** Calls `listener` after every state change until the returned function is called. */
  onChange: (listener: () => void) => () => void
}

/** Could the server have this task (its `POST /prompt` sent, answered or not)? */
export function wasSent(engine: Engine, task: ComfyTask): boolean {
  return task.state !== 'preparing' || task.unconfirmed || engine.cache.get(task.promptId)?.sending === true
}
