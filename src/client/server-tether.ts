import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ServerLock } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { ComfyApi } from '../http/comfy-api'
import type { ResolvedComfyOptions } from './options'
import type { ServerQueue } from './server-queue'
import type { ComfySocket, ComfySocketFactory, ComfyWebSocket } from './socket'
import type { ComfySocketState } from './types'
import { backoffDelay } from '../core/backoff'
import { isComfyTetherError, TaskLostError } from '../core/errors'
import { serverWsUrl } from '../core/server-url'
import { endTask, isTerminal } from '../core/task-state'
import { createTimerGroup } from '../core/timers'
import { queryCredentialOf } from './resolve-options'
import { createReconcilePass } from './reconcile-pass'
import { createOutageClock } from './outage-clock'
import { createServerProbes } from './server-probes'
import { RECONNECT_CLOSE_CODE } from './socket'

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
  onFrame: (server: string, data: unknown) => void
  /**
   * A task whose `POST /prompt` went unanswered is on neither `/queue` nor `/history` past the grace period: send it
   * again under the same id if that is safe. `true` when the task was handled (sent, or ended with an error).
   */
  resubmit: (task: ComfyTask) => Promise<boolean>
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  /** Could the server have this task (its `POST /prompt` sent)? A task never sent is never called maybe-on-the-server. */
  wasSent: (task: ComfyTask) => boolean
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
  /** Records that a frame about one of this server's tasks arrived (the socket is not deaf to them). */
  noteTaskFrame: () => void
  /** A call found the server unreachable: starts the outage clock (if not running) and polls, so its end is seen. */
  markUnreachable: () => void
  /** Resolves when the server is reachable (no outage), or at once if it is. */
  whenReachable: () => Promise<void>
  /** Opens the socket again if it closed for good (e.g. during `releaseDelay`) and a task needs it now. */
  ensureSocket: () => void
  /** A `POST /prompt` answer's queue number: a number lower than the last one means the server restarted. */
  noteQueueNumber: (number: number) => void
  /** Stops the socket and every timer of this tether. */
  dispose: () => void
}

/**
 * Creates the tether of one locked server. The socket URL is fixed to this server: a tether never reconnects anywhere
 * else. Its socket opens only after `previousSocketClosed` (the last socket of this client to the same server) has
 * closed, and once the client is ready.
 */
export function createServerTether(lock: ServerLock, ctx: TetherContext, previousSocketClosed?: Promise<void>): ServerTether {
  const { server } = lock
  const { options, api } = ctx
  const timers = createTimerGroup()
  const outage = createOutageClock({
    server,
    maxOutage: options.maxOutage,
    after: timers.after,
    record: ctx.record,
    updateServer: ctx.updateServer,
    changed: ctx.changed,
    onExpired: () => {
      for (const task of ctx.pendingOn(server))
        ctx.setTask(endTask(task, 'lost', new TaskLostError(server, task.promptId, 'server-unreachable', ctx.wasSent(task)), Date.now()))
    },
  })
  const pendingCount = (): number => ctx.pendingOn(server).length
  let outageSeen = false
  /** Epoch ms of the last sign that the server may have restarted (socket cut, outage, queue counter reset). */
  let lastBreakAt = 0
  let lastQueueNumber = -1
  let socketUnavailable: SocketUnavailable | null = null
  let lastTaskFrameAt = 0
  let cancelPoll: (() => void) | undefined
  let pollDueAt = 0
  let reconciling: Promise<void> | undefined
  let disposed = false

  const { probeOutage, probeRefusedSocket } = createServerProbes({
    server,
    api,
    healthTimeout: options.healthTimeout,
    pollInterval: options.reconcile.interval,
    outage,
    isDisposed: () => disposed,
    hasPending: () => pendingCount() > 0,
    markUnreachable,
    schedulePoll: () => schedulePoll(),
    socketUnavailable: () => socketUnavailable,
    setSocketUnavailable,
    record: ctx.record,
  })

  // A socket of the same clientId that is still closing would make the new one deaf when the server cleans it up.
  let previousGone = previousSocketClosed === undefined
  void previousSocketClosed?.then(() => {
    previousGone = true
    socket.urlChanged()
  })
  const socket: ComfySocket = ctx.createSocket({
    url: () => (ctx.ready() && previousGone && !disposed ? serverWsUrl(server, ctx.clientId(), queryCredentialOf(options.servers.find(s => s.url === server))) : undefined),
    shouldReconnect: (): boolean => options.reconnect !== false && !disposed && pendingCount() > 0 && socket.state.attempts < options.reconnect.retries,
    delay: attempt => (options.reconnect === false ? 0 : backoffDelay(attempt, options.reconnect)),
    onOpen(ws) {
      // The first frame asks for previews with metadata (type 4), which carry their prompt_id.
      ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }))
      outage.markReachable()
      setSocketUnavailable(null)
      ctx.record('socket-open', `socket open to ${server} (clientId ${ctx.clientId()})`, { server })
      if (pendingCount() > 0)
        void reconcile('socket reconnected')
    },
    onClose(event, wasOpen) {
      if (disposed)
        return
      const pending = pendingCount()
      ctx.record('socket-closed', `socket to ${server} closed (code ${event.code})${pending > 0 ? `; holding the lock: ${pending} task(s) pending` : ''}`, { server })
      if (pending === 0)
        return
      if (!wasOpen)
        return void probeRefusedSocket(event.code)
      ctx.record('hold', `lock held on ${server} while the socket is down`, { server })
      // 1000 is our own close, 4000 our own reconnect of a deaf socket; anything else is the server or the network.
      if (event.code !== 1000 && event.code !== RECONNECT_CLOSE_CODE) {
        outageSeen = true
        lastBreakAt = Date.now()
        ctx.queue.forget(server) // it may come back as another version
        markUnreachable()
      }
      schedulePoll()
    },
    onFrame: data => ctx.onFrame(server, data),
    onState: () => ctx.changed(),
  })

  function setSocketUnavailable(next: SocketUnavailable | null): void {
    if (socketUnavailable === next)
      return
    socketUnavailable = next
    ctx.changed()
  }

  function reconcile(reason: string): Promise<void> {
    reconciling ??= runReconcile(reason).finally(() => {
      reconciling = undefined
    })
    return reconciling
  }

  const reconcilePass = createReconcilePass({
    server,
    api,
    queue: ctx.queue,
    lostGraceMs: options.reconcile.lostGrace,
    getTask: ctx.getTask,
    resubmit: ctx.resubmit,
    brokeSince: since => lastBreakAt >= since,
    outageSeen: () => outageSeen,
    isDisposed: () => disposed,
  })

  async function runReconcile(reason: string): Promise<void> {
    if (disposed || !ctx.ready())
      return
    const targets = ctx.pendingOn(server).filter(t => t.state !== 'preparing' || t.unconfirmed)
    if (targets.length === 0)
      return probeOutage()
    try {
      const changed = await reconcilePass(targets)
      const ended = changed.filter(t => isTerminal(t.state)).length
      outage.markReachable()
      ctx.record('reconcile', `reconciled ${targets.length} task(s) with ${server} (${reason}): ${ended} ended`, { server })
      for (const task of changed) {
        const current = ctx.getTask(task.promptId)
        if (current && !isTerminal(current.state))
          ctx.setTask(task)
      }
      // A task that ended without a word on an open socket means the socket is deaf: open a fresh one.
      if (ended > 0 && socket.state.status === 'OPEN' && pendingCount() > 0)
        socket.reconnect()
    }
    catch (error) {
      if (isComfyTetherError(error, 'SERVER_UNREACHABLE'))
        markUnreachable()
      ctx.record('reconcile', `reconcile with ${server} failed (${reason}): ${error instanceof Error ? error.message : String(error)}`, { server, code: isComfyTetherError(error) ? error.code : undefined })
    }
    finally {
      if (pendingCount() > 0)
        schedulePoll()
    }
  }

  function schedulePoll(delay = options.reconcile.interval): void {
    if (disposed)
      return
    // A sooner poll replaces a later one (a reload's first reconcile must not wait a whole interval).
    if (cancelPoll && pollDueAt <= Date.now() + delay)
      return
    cancelPoll?.()
    pollDueAt = Date.now() + delay
    const cancel = timers.after(delay, () => {
      cancelPoll = undefined
      if (pendingCount() === 0 || disposed)
        return
      // Silence is measured on frames about our own tasks: status broadcasts caused by other clients' work say
      // nothing about whether ours finished.
      const { status, openedAt } = socket.state
      const silentFor = Date.now() - Math.max(lastTaskFrameAt, openedAt ?? 0)
      if (status !== 'OPEN' || silentFor >= options.reconcile.interval || delay === 0)
        void reconcile(status !== 'OPEN' ? 'socket down' : delay === 0 ? 'requested' : 'socket silent')
      else
        schedulePoll()
    })
    cancelPoll = () => {
      cancel()
      cancelPoll = undefined
    }
  }

  function markUnreachable(): void {
    if (outage.markUnreachable())
      lastBreakAt = Date.now()
  }

  return {
    server,
    lock,
    get socket() {
      return socket.state
    },
    get ws() {
      return socket.ws
    },
    get unreachableSince() {
      return outage.since
    },
    get socketUnavailable() {
      return socketUnavailable
    },
    readyChanged: () => socket.urlChanged(),
    holds: () => pendingCount() > 0 || socket.state.status === 'OPEN',
    reconcile,
    schedulePoll,
    markUnreachable() {
      markUnreachable()
      schedulePoll() // with the socket still open nothing else would poll, and the outage's end would go unseen
    },
    noteTaskFrame() {
      lastTaskFrameAt = Date.now()
    },
    ensureSocket() {
      if (!disposed && socket.state.status === 'CLOSED')
        socket.open()
    },
    noteQueueNumber(number) {
      if (number < lastQueueNumber)
        lastBreakAt = Date.now()
      lastQueueNumber = number
    },
    whenReachable: () => (disposed ? Promise.resolve() : outage.whenReachable()),
    dispose() {
      disposed = true
      outage.stop()
      timers.clearAll()
      socket.dispose()
    },
  }
}
