import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ServerLock } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { Timers } from '../core/timers'
import type { ComfyApi } from '../http/comfy-api'
import type { ResolvedComfyOptions } from './options'
import type { ServerQueue } from './server-queue'
import type { ComfySocketFactory, ComfyWebSocket } from './socket'
import type { ComfySocketState } from './types'

/** What a tether needs from the store that owns it. */
export interface TetherContext {
  options: ResolvedComfyOptions
  api: ComfyApi
  /** Queue reads (jobs API where the server has one); forgets what it learned of a server that may have restarted. */
  queue: ServerQueue
  clientId: () => string
  ready: () => boolean
  /** The pending tasks tethered to `server`. */
  pendingOn: (server: string) => ComfyTask[]
  getTask: (promptId: string) => ComfyTask | undefined
  setTask: (task: ComfyTask) => void
  record: (kind: LockEventKind, message: string, extra?: Partial<LockEvent>) => void
  /** A frame of `server`'s socket, arrived at `at` when the socket read the clock. */
  onFrame: (server: string, data: unknown, at?: number) => void
  /**
   * A task whose `POST /prompt` went unanswered is on neither `/queue` nor `/history` past the grace period: send it
   * again under the same id if that is safe. `true` when the task was handled (sent, or ended with an error).
   */
  resubmit: (task: ComfyTask) => Promise<boolean>
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  /** Could the server have this task (its `POST /prompt` sent)? A task never sent is never called maybe-on-the-server. */
  wasSent: (task: ComfyTask) => boolean
  /** The client's timer provider: every timer and time stamp of the tether goes through it. */
  timers: Timers
  /** Creates the socket (the client's socket factory). */
  createSocket: ComfySocketFactory
  /** Something the app can see changed (socket state, outage, socket availability). */
  changed: () => void
}

/** Why the socket of a reachable server cannot be used (its tasks are then followed over HTTP). */
export interface SocketUnavailable {
  since: number
  reason: string
}

/** One locked server: its lock, its socket, and the reconcile and outage rules of its pending tasks. */
export interface ServerTether {
  readonly server: string
  readonly lock: ServerLock
  readonly socket: ComfySocketState
  readonly ws: ComfyWebSocket | undefined
  readonly unreachableSince: number | null
  /** Set while the server answers HTTP but its socket upgrade fails (auth proxy, proxy without WebSocket support). */
  readonly socketUnavailable: SocketUnavailable | null
  /** The client became ready (restore done): open the socket if it waited for that. */
  readyChanged: () => void
  /** Does the lock hold: tasks pending, or the socket open? */
  holds: () => boolean
  reconcile: (reason: string) => Promise<void>
  schedulePoll: (delay?: number) => void
  /** Records that a frame about one of this server's tasks arrived at `at` (the socket is not deaf to them). */
  noteTaskFrame: (at: number) => void
  /** A call found the server unreachable (`why`: what failed): starts the outage clock (if not running) and polls, so its end is seen. */
  markUnreachable: (why?: string) => void
  /** The server answered an HTTP request (any call of this client): an outage, if any, is over. */
  answered: () => void
  /** Resolves when the server is reachable (no outage), or at once if it is. */
  whenReachable: () => Promise<void>
  /** Opens the socket again if it closed for good (e.g. during `releaseDelay`) and a task needs it now. */
  ensureSocket: () => void
  /** A sign that the server restarted (its prompt numbers started again): a task gone from it since was lost there. */
  noteRestart: () => void
  /** Stops the socket and every timer of this tether. */
  dispose: () => void
}
