import type { ServerLock } from '../core/server-lock'
import type { ComfySocket } from './socket'
import type { ServerTether, SocketUnavailable, TetherContext } from './tether-types'
import { backoffDelay } from '../core/backoff'
import { isComfyTetherError, TaskLostError } from '../core/errors'
import { serverWsUrl } from '../core/server-url'
import { endTask, isTerminal } from '../core/task-state'
import { createTimerGroup } from '../core/timers'
import { queryCredentialOf } from './resolve-options'
import { createReconcilePass } from './load-reconcile-pass'
import { createOutageClock } from './outage-clock'
import { createServerProbes } from './load-server-probes'
import { RECONNECT_CLOSE_CODE } from './socket'

export type { ServerTether, SocketUnavailable, TetherContext } from './tether-types'

/**
 * Creates the tether of one locked server. The socket URL is fixed to this server: a tether never reconnects anywhere
 * else. Its socket opens only after `previousSocketClosed` (the last socket of this client to the same server) has
 * closed, and once the client is ready.
 */
export function createServerTether(lock: ServerLock, ctx: TetherContext, previousSocketClosed?: Promise<void>): ServerTether {
  const { server } = lock
  const { options, api } = ctx
  const timers = createTimerGroup(ctx.timers)
  const now = (): number => ctx.timers.now()
  const outage = createOutageClock({
    now,
    server,
    maxOutage: options.maxOutage,
    after: timers.after,
    record: ctx.record,
    logger: options.logger,
    pendingCount: () => pendingCount(),
    updateServer: ctx.updateServer,
    changed: ctx.changed,
    onExpired: () => {
      for (const task of ctx.pendingOn(server))
        ctx.setTask(endTask(task, 'lost', new TaskLostError(server, task.promptId, 'server-unreachable', ctx.wasSent(task)), now()))
    },
    healthTimeout: options.healthTimeout,
    askNow: timeoutMs => api.queueRemaining(server, timeoutMs).then(() => true, () => false),
  })
  const pendingCount = (): number => ctx.pendingOn(server).length
  let outageSeen = false
  /** Epoch ms of the last sign that the server may have restarted (socket cut, outage, queue counter reset). */
  let lastBreakAt = 0
  let socketUnavailable: SocketUnavailable | null = null
  let lastTaskFrameAt = 0
  let cancelPoll: (() => void) | undefined
  let pollDueAt = 0
  let reconciling: Promise<void> | undefined
  let disposed = false

  const { probeOutage, probeRefusedSocket, probeDroppedSocket } = createServerProbes({
    now,
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
      // The server may have restarted; whether it is down, only HTTP can say (a dropped socket alone is no outage).
      if (event.code !== 1000 && event.code !== RECONNECT_CLOSE_CODE) {
        outageSeen = true
        lastBreakAt = now()
        ctx.queue.forget(server) // it may come back as another version
        void probeDroppedSocket()
      }
      schedulePoll()
    },
    onFrame: (data, at) => {
      outage.noteAnswer(at)
      ctx.onFrame(server, data, at)
    },
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
    now,
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
    const startedAt = now()
    try {
      const changed = await reconcilePass(targets)
      if (disposed) // its tasks' results were settled by dispose(); nothing changes after it
        return
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
      if (disposed)
        return
      // A pass stuck on a request the server swallowed (a black hole since gone) while it answered others: no outage.
      if (isComfyTetherError(error, 'SERVER_UNREACHABLE') && outage.lastAnswerAt < startedAt)
        markUnreachable(`${error.operation}: ${error.detail}`)
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
    if (cancelPoll && pollDueAt <= now() + delay)
      return
    cancelPoll?.()
    pollDueAt = now() + delay
    const cancel = timers.after(delay, () => {
      cancelPoll = undefined
      if (pendingCount() === 0 || disposed)
        return
      // Silence is measured on frames about our own tasks: status broadcasts caused by other clients' work say
      // nothing about whether ours finished.
      const { status, openedAt } = socket.state
      const silentFor = now() - Math.max(lastTaskFrameAt, openedAt ?? 0)
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

  function markUnreachable(why?: string): void {
    if (outage.markUnreachable(why))
      lastBreakAt = now()
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
    markUnreachable(why) {
      markUnreachable(why)
      schedulePoll() // with the socket still open nothing else would poll, and the outage's end would go unseen
    },
    noteTaskFrame(at) {
      lastTaskFrameAt = at
    },
    answered: () => outage.answered(),
    ensureSocket() {
      if (!disposed && socket.state.status === 'CLOSED')
        socket.open()
    },
    noteRestart() {
      lastBreakAt = now()
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
