import type { ComfyImageRef } from '../core/api-types'
import type { ComfyTetherError } from '../core/errors'
import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { LockReason, ServerConsistency, ServerLock, UnlockCondition } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { FilledWorkflow, WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { TaskWorkflowView } from './workflow-insight'
import type { ResolvedComfyOptions } from '../client/options'
import type { ServerTether } from './server-tether'
import type { ComfyTaskHandle, ComfyTaskResult, LockDebugInfo, SubmitOptions } from './store-types'
import type { ComfySocketState } from './use-comfy-socket'
import { defineStore } from 'pinia'
import { computed, getCurrentScope, inject, markRaw, onScopeDispose, shallowReactive, shallowRef, triggerRef, watch } from 'vue'
import { ClientDisposedError, InvalidArgumentError, InvalidServerUrlError, isComfyTetherError, LockBusyError, NoServerAvailableError, ProtocolError, RequestFailedError, TaskCancelledError, TaskLostError, TaskNotFoundError } from '../core/errors'
import { mintClientId, mintUuid } from '../core/ids'
import { appendBounded } from '../core/lock-log'
import { acquireLock, checkServerConsistency, checkUnlockCondition as unlockRule } from '../core/server-lock'
import { shouldHoldBack, smoothServiceTime } from '../core/placement'
import { chooseServer } from '../core/server-pool'
import { describeTarget, redactUrl, serverOfUrl, serverViewUrl } from '../core/server-url'
import { createTask, endTask, isTerminal, updateTask } from '../core/task-state'
import { createTimerGroup } from '../core/timers'
import { assertImage } from '../core/validate-input'
import { createComfyApi } from '../http/comfy-api'
import { createComfyHttp } from '../http/create-comfy-http'
import type { LoadedImage } from '../http/load-image'
import { createImageLoader } from '../http/load-image'
import { createComfyServerApi } from '../http/comfy-server-api'
import { nodesToRun } from '../core/workflow-progress'
import { createObjectInfoCache } from './object-info-cache'
import { createWorkflowInsight } from './workflow-insight'
import type { ServerFit } from '../client/workflow-prepare'
import { createServerFit, fitSeeds, lacksByServer, prepareWorkflowForServer, uncheckedInputs } from '../client/workflow-prepare'
import { resolveSource } from '../client/workflow-source'
import { createCanceller } from '../client/cancel-task'
import { createDeadServerRules } from './dead-server'
import { createHealthRefresh } from '../client/health-refresh'
import { COMFY_OPTIONS_KEY } from './keys'
import { capRestoredTasks, createClientIdGuard, loadSnapshot, saveSnapshot } from '../client/persistence'
import { createFrameRouter } from '../client/frame-router'
import { queryCredentialOf } from '../client/resolve-options'
import { installRequestWatchdog } from '../client/request-watchdog'
import { createServerTether } from './server-tether'
import { CLOSED_SOCKET } from './store-types'

export type { ComfyTaskHandle, ComfyTaskResult, LockDebugInfo, SubmitOptions } from './store-types'

/** Did the request fail before any byte reached the server (connection refused)? Then resending cannot duplicate it. */
function refusedBeforeSending(error: ComfyTetherError): boolean {
  const cause = error.cause as { code?: unknown } | undefined
  return cause?.code === 'ECONNREFUSED'
}

const CLAIM_WAIT_MS = 150
const HEALTH_MAX_AGE_MS = 2000
/** How often an unconfirmed prompt may be sent again (each after a grace period on neither /queue nor /history). */
const MAX_RESENDS = 3
/** The longest a new socket waits for the previous one to the same server to close. */
const SOCKET_CLOSE_WAIT_MS = 2000

/**
 * The comfy-tether store: the server lock(s), the socket(s), every task, and the lock event log.
 *
 * @example
 * const comfy = useComfyStore()
 * const { result } = await comfy.submit(workflow, { images: { 1: file } })
 * const { imageUrls } = await result
 */
export const useComfyStore = /* @__PURE__ */ defineStore('comfy-tether', () => {
  const injected = inject(COMFY_OPTIONS_KEY, null)
  if (!injected)
    throw new InvalidArgumentError('INVALID_OPTIONS', 'useComfyStore() was called before app.use(comfyPlugin, { servers }). Install the plugin after Pinia.')
  const options: ResolvedComfyOptions = injected
  const sessionMode = options.affinity === 'session'
  const { logger } = options
  const currentScope = getCurrentScope()
  if (!currentScope)
    throw new InvalidArgumentError('INVALID_OPTIONS', 'useComfyStore() must run inside Pinia (app.use(createPinia())).')
  const storeScope = currentScope
  const timers = createTimerGroup()
  const serverUrls = options.servers.map(s => s.url)
  const headersByServer = new Map(options.servers.map(s => [s.url, s.headers ?? {}]))
  const credentials = new Map(options.servers.map(s => [s.url, queryCredentialOf(s)]))

  // ── state ────────────────────────────────────────────────────────────────────────────────────────────────────
  const restored = options.persist ? loadSnapshot(options.persist.storage, options.persist.key) : undefined
  const clientId = shallowRef(restored?.clientId ?? mintClientId())
  const tethers = shallowReactive(new Map<string, ServerTether>())
  const tasks = shallowReactive(new Map<string, ComfyTask>())
  const pendingIds = shallowReactive(new Set<string>())
  const servers = shallowRef<ServerStatus[]>(options.servers.map(s => ({ url: s.url, label: s.label ?? s.url, health: 'unknown', queueRemaining: null, checkedAt: null, error: null })))
  const log = shallowRef<LockEvent[]>([])
  const malformedFrames = shallowRef(0)
  const previewUrls = shallowReactive(new Map<string, string>())
  const ready = shallowRef(!restored)

  const locks = computed(() => [...tethers.values()].map(t => t.lock))
  const lock = computed<ServerLock | null>(() => (sessionMode ? locks.value[0] ?? null : null))
  const sockets = computed(() => Object.fromEntries([...tethers.values()].map(t => [t.server, t.socket.value])) as Record<string, ComfySocketState>)
  const socket = computed<ComfySocketState>(() => (sessionMode ? sessionTether()?.socket.value ?? CLOSED_SOCKET : CLOSED_SOCKET))
  const unreachableSince = computed(() => {
    const times = [...tethers.values()].map(t => t.unreachableSince.value).filter((t): t is number => t !== null)
    return times.length ? Math.min(...times) : null
  })
  /** Per locked server whose socket upgrade is refused while HTTP answers: since when and why (tasks go on over HTTP). */
  const socketUnavailable = computed(() => Object.fromEntries([...tethers.values()].flatMap(t => (t.socketUnavailable.value ? [[t.server, t.socketUnavailable.value]] : [])) as [string, { since: number, reason: string }][]))
  const pendingCount = computed(() => pendingIds.size)
  const taskList = computed(() => [...tasks.values()].sort((a, b) => b.createdAt - a.createdAt))

  const settlers = new Map<string, { resolve: (r: ComfyTaskResult) => void, reject: (e: ComfyTetherError) => void }>()
  const renamed = new Map<string, string>()
  const releaseTimers = new Map<string, () => void>()
  /** Sockets still closing, per server: a new socket with the same clientId waits for them. */
  const closingSockets = new Map<string, Promise<void>>()
  const slotWaiters = new Set<() => void>()
  /** Submits waiting for the restore to finish: disposal rejects them. */
  const readyWaiters = new Set<() => void>()
  /** Smoothed run time of a task per server, for task affinity's tail rule. */
  const serviceTimes = new Map<string, number>()
  /** Prompts sent but not confirmed, kept so they can be sent again under the same id (see `resubmit`). */
  const unconfirmedPrompts = new Map<string, { prompt: ComfyWorkflow, extraData: Record<string, unknown> | undefined, resends: number }>()
  /** Per server: does it honour client prompt ids (ComfyUI ≥ 0.3.45)? Learned from answers, or from GET /features. */
  const honoursIds = new Map<string, boolean>()
  /** Tasks whose `POST /prompt` is in flight: the server may have them even before it answers. */
  const sending = new Set<string>()
  let acquiring: Promise<string | undefined> | undefined
  let refreshing: Promise<ServerStatus[]> | undefined
  let disposed = false

  function record(kind: LockEventKind, message: string, extra: Partial<LockEvent> = {}): void {
    appendBounded(log.value, { at: Date.now(), kind, message, ...extra }, options.logLimit)
    triggerRef(log)
    logger.debug(message, extra)
  }

  function sessionTether(): ServerTether | undefined {
    return sessionMode ? tethers.values().next().value : undefined
  }

  /** The server every call goes to while the session lock holds (tasks pending or its socket open). */
  function heldSessionServer(): string | undefined {
    const tether = sessionTether()
    return tether?.holds() ? tether.server : undefined
  }

  function pendingOn(server: string): ComfyTask[] {
    const list: ComfyTask[] = []
    for (const id of pendingIds) {
      const task = tasks.get(id)
      if (task?.server === server)
        list.push(task)
    }
    return list
  }

  // ── http: the interceptor reads the locks from this store ───────────────────────────────────────────────────
  const comfyHttp = createComfyHttp({
    http: options.http,
    config: { timeout: options.requestTimeout, ...options.httpConfig },
    lockedServer: heldSessionServer,
    taskServer: promptId => tasks.get(renamed.get(promptId) ?? promptId)?.server,
    servers: () => serverUrls,
    fallbackServer: () => getApiBaseUrl(),
    headersFor: server => headersByServer.get(server),
    onRefused: (error) => {
      record('refuse', error.message, { code: error.code, server: (error as { lockedServer?: string }).lockedServer })
      logger.warn(error.message)
    },
  })
  const http = markRaw(comfyHttp.http)
  const removeWatchdog = installRequestWatchdog(http, timers.after)
  const api = createComfyApi(http)
  const images = createImageLoader(http)
  const serverApi = createComfyServerApi(http)
  const objectInfos = createObjectInfoCache(server => serverApi.objectInfo(server))
  const objectInfoOrUnknown = (server: string) => objectInfos.get(server).catch(() => undefined)
  const workflows = createWorkflowInsight({ getTask: id => tasks.get(id), queue: server => api.queue(server), credentialOf: server => credentials.get(server) })

  // ── frames: routed to their task by the core parsers and reducer ─────────────────────────────────────────
  const handleFrame = createFrameRouter({
    tasks,
    previewUrls,
    pendingOn,
    setTask,
    updateServer,
    history: (server, promptId) => api.history(server, promptId),
    lostGraceMs: options.reconcile.lostGrace,
    onMalformed(server, reason) {
      malformedFrames.value++
      record('malformed', `ignored a malformed frame from ${server}: ${reason}`, { server, code: 'PROTOCOL_ERROR' })
      logger.warn(`malformed frame ignored: ${reason}`)
    },
    onTaskFrame: server => tethers.get(server)?.noteTaskFrame(),
    warn: logger.warn,
    after: (ms, callback) => void timers.after(ms, callback),
    requestReconcile: server => tethers.get(server)?.schedulePoll(),
  })

  // ── tethers: one per locked server ──────────────────────────────────────────────────────────────────────────
  function openTether(server: string, reason: LockReason, since = Date.now()): ServerTether {
    const existing = tethers.get(server)
    if (existing)
      return existing
    const current = sessionTether()
    const next = acquireLock(current?.lock ?? null, { server, clientId: clientId.value, reason, now: since, pending: current ? pendingOn(current.server).map(t => t.promptId) : [] })
    if (current)
      closeTether(current, `switching to ${server}`)
    const tether = createServerTether(next, storeScope, {
      options,
      api,
      clientId: () => clientId.value,
      ready: () => ready.value,
      pendingOn,
      getTask: id => tasks.get(id),
      setTask,
      record,
      onFrame: (frameServer, data) => {
        workflows.onFrame(frameServer, data) // first: it must see the last frame of a task before that task ends
        objectInfos.noteFrame(frameServer, data)
        handleFrame(frameServer, data)
      },
      updateServer,
      resubmit,
      wasSent,
    }, closingSockets.get(server))
    tethers.set(server, tether)
    return tether
  }

  function closeTether(tether: ServerTether, why: string): void {
    releaseTimers.get(tether.server)?.()
    const ws = tether.ws.value
    if (ws && ws.readyState !== ws.CLOSED) {
      const closed = new Promise<void>((resolve) => {
        ws.addEventListener('close', () => resolve(), { once: true })
        timers.after(SOCKET_CLOSE_WAIT_MS, resolve)
      })
      closingSockets.set(tether.server, closed)
      void closed.then(() => {
        if (closingSockets.get(tether.server) === closed)
          closingSockets.delete(tether.server)
      })
    }
    tether.dispose()
    tethers.delete(tether.server)
    record('release', `released the lock on ${tether.server}: ${why}`, { server: tether.server })
    persist()
  }

  function scheduleRelease(server: string): void {
    const tether = tethers.get(server)
    if (!tether || pendingOn(server).length > 0 || releaseTimers.has(server))
      return
    const cancel = timers.after(options.releaseDelay, () => {
      releaseTimers.delete(server)
      const current = tethers.get(server)
      if (current && pendingOn(server).length === 0)
        closeTether(current, 'no task pending')
    })
    releaseTimers.set(server, () => {
      cancel()
      releaseTimers.delete(server)
    })
  }

  // ── restore after reload ────────────────────────────────────────────────────────────────────────────────────
  const guard = createClientIdGuard(`comfy-tether:${options.persist ? options.persist.key : 'memory'}`, () => clientId.value)
  if (restored) {
    // A lock on a server no longer configured is dropped (nothing may be sent there any more), and session affinity
    // keeps one lock; either way the log says which tasks this page stops following.
    const usable = restored.locks.filter(l => serverUrls.includes(l.server))
    const restoredLocks = usable.slice(0, sessionMode ? 1 : undefined)
    for (const dropped of restored.locks.filter(l => !restoredLocks.includes(l))) {
      const orphans = restored.tasks.filter(t => t.server === dropped.server && !isTerminal(t.state)).map(t => t.promptId)
      if (orphans.length > 0)
        record('restore', `not restoring the lock on ${dropped.server} (${usable.includes(dropped) ? 'session affinity keeps one lock' : 'server no longer configured'}): ${orphans.length} task(s) there are no longer followed: ${orphans.join(', ')}`, { server: dropped.server, code: 'TASK_LOST' })
    }
    const { kept, dropped } = capRestoredTasks(restored.tasks.filter(t => !isTerminal(t.state)))
    if (dropped.length > 0)
      record('restore', `the snapshot held ${kept.length + dropped.length} pending tasks: restoring the newest ${kept.length}; the ${dropped.length} older ones are no longer followed`, { code: 'TASK_LOST' })
    for (const saved of restoredLocks) {
      const taskRecords = kept.filter(t => t.server === saved.server)
      if (taskRecords.length === 0)
        continue
      openTether(saved.server, 'restored-after-reload', saved.since)
      for (const t of taskRecords) {
        const task = createTask({ promptId: t.promptId, server: t.server, clientId: restored.clientId, now: t.createdAt })
        tasks.set(t.promptId, { ...task, state: t.state === 'preparing' ? 'queued' : t.state, number: t.number, cancelRequested: t.cancelRequested, unconfirmed: t.unconfirmed || t.state === 'preparing' })
        pendingIds.add(t.promptId)
      }
      record('restore', `restored the lock on ${saved.server} with ${taskRecords.length} pending task(s) after a reload`, { server: saved.server })
    }
    void guard.isTaken(restored.clientId, CLAIM_WAIT_MS).then((taken) => {
      if (disposed)
        return
      if (taken) {
        // A duplicated tab: the pending tasks belong to the original tab, which is still alive.
        for (const tether of [...tethers.values()]) {
          tether.dispose()
          tethers.delete(tether.server)
        }
        clientId.value = mintClientId()
        tasks.clear()
        pendingIds.clear()
        record('duplicate-tab', 'this tab is a duplicate of a live tab: took a new clientId and left the other tab\'s tasks to it')
      }
      ready.value = true
      persist()
      for (const tether of tethers.values()) tether.schedulePoll(0)
    })
  }

  // ── tasks ───────────────────────────────────────────────────────────────────────────────────────────────────
  function setTask(next: ComfyTask): void {
    const previous = tasks.get(next.promptId)
    if (previous === next)
      return
    tasks.set(next.promptId, next)
    if (previous && previous.state !== next.state && !isTerminal(next.state))
      persist() // a reload reads the state the task had (queued → running), not an older one
    if (isTerminal(next.state)) {
      if (pendingIds.delete(next.promptId))
        onTaskEnded(next)
    }
    else if (!pendingIds.has(next.promptId)) {
      pendingIds.add(next.promptId)
      releaseTimers.get(next.server)?.()
      persist()
    }
  }

  function onTaskEnded(task: ComfyTask): void {
    unconfirmedPrompts.delete(task.promptId)
    sending.delete(task.promptId)
    if (task.state === 'succeeded' && task.startedAt !== null && task.endedAt !== null)
      serviceTimes.set(task.server, smoothServiceTime(serviceTimes.get(task.server), task.endedAt - task.startedAt))
    record('task-end', `task ${task.promptId} ${task.state} on ${task.server}${task.error ? `: ${task.error.message}` : ''}`, { server: task.server, promptId: task.promptId, code: task.error?.code })
    const settle = settlers.get(task.promptId)
    settlers.delete(task.promptId)
    if (settle) {
      if (task.state === 'succeeded')
        settle.resolve(resultOf(task))
      else
        settle.reject(task.error ?? new TaskLostError(task.server, task.promptId, 'not-on-server', wasSent(task)))
    }
    revokePreview(task.promptId)
    pruneFinished()
    workflows.prune(id => tasks.has(id))
    persist()
    scheduleRelease(task.server)
    for (const wake of [...slotWaiters]) wake()
  }

  function resultOf(task: ComfyTask): ComfyTaskResult {
    return { promptId: task.promptId, server: task.server, outputs: task.outputs, images: task.images, imageUrls: task.images.map(i => serverViewUrl(task.server, i, credentials.get(task.server))), files: workflows.filesOf(task) }
  }

  function revokePreview(promptId: string): void {
    const url = previewUrls.get(promptId)
    if (url) {
      URL.revokeObjectURL(url)
      previewUrls.delete(promptId)
    }
  }

  function pruneFinished(): void {
    const excess = tasks.size - pendingIds.size - options.taskRetention
    if (excess <= 0)
      return
    const finished = [...tasks.values()].filter(t => isTerminal(t.state)).sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
    for (const task of finished.slice(0, excess)) {
      tasks.delete(task.promptId)
      revokePreview(task.promptId)
    }
  }

  // ── server choice ───────────────────────────────────────────────────────────────────────────────────────────
  function updateServer(url: string, patch: Partial<ServerStatus>): void {
    servers.value = servers.value.map(s => (s.url === url ? { ...s, ...patch, checkedAt: Date.now() } : s))
  }

  /**
   * Asks `GET /prompt` of the servers: all of them, except while the session lock holds, when only the locked
   * server is asked (nothing is sent to another server while locked).
   */
  function refreshServers(): Promise<ServerStatus[]> {
    refreshing ??= (async () => {
      const held = heldSessionServer()
      await health.refresh(held ? [held] : serverUrls)
      return servers.value
    })().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  const health = createHealthRefresh({ check: url => api.queueRemaining(url, options.healthTimeout), updateServer })

  function ownPending(url: string): number {
    return pendingOn(url).length
  }

  /**
   * Chooses the server of a new task and creates the task there in the same synchronous step, so that concurrent
   * submits see each other's tasks (and their locks) when they choose.
   */
  async function placeTask(promptId: string, fit?: ServerFit): Promise<string> {
    const create = (server: string): string => {
      setTask(createTask({ promptId, server, clientId: clientId.value, now: Date.now() }))
      return server
    }
    if (!sessionMode)
      return taskServer(create, fit)
    const held = heldSessionServer()
    if (held && fit)
      await fit.check([held], held) // the locked server must fit; the lock is not broken for a workflow
    for (;;) {
      const server = await sessionServer(fit)
      if (server !== undefined) {
        fit?.assertFitsNow(server) // a concurrent submit may have chosen for another workflow
        return create(server)
      }
      // The shared choice was made for a concurrent submit whose workflow fits nowhere: this one's own verdict.
      await fit?.check(servers.value.filter(s => s.health === 'healthy').map(s => s.url))
    }
  }

  /** Session affinity: the locked server while it holds, else a freshly chosen one (one choice at a time). */
  function sessionServer(fit?: ServerFit): string | Promise<string | undefined> {
    const held = heldSessionServer()
    if (held) {
      refuseIfLockedServerDown(held)
      releaseTimers.get(held)?.()
      return held
    }
    acquiring ??= (async () => {
      await refreshServers()
      if (disposed)
        throw new ClientDisposedError('submit()')
      let allowed: Set<string> | undefined
      try {
        allowed = await fitting(fit)
      }
      catch {
        return undefined // nothing fits this workflow; each waiting submit then checks its own
      }
      const stillHeld = heldSessionServer()
      if (stillHeld)
        return stillHeld
      const server = chooseServer(allowed ? servers.value.filter(s => allowed.has(s.url)) : servers.value, options.strategy, ownPending)
      openTether(server, 'task-submitted')
      record('acquire', `locked to ${server} for a new task (${describeChoice(server)})`, { server })
      return server
    })().finally(() => {
      acquiring = undefined
    })
    // Concurrent submits share one choice; each creates its task in the microtask that resumes it, before any timer.
    return acquiring
  }

  /**
   * Task affinity: the best server with a free slot; waits in the client while every server is full. `take` runs in
   * the same synchronous step as the choice, so the next chooser counts the slot as taken.
   */
  async function taskServer(take: (server: string) => string = server => server, fit?: ServerFit): Promise<string> {
    for (;;) {
      if (servers.value.some(s => s.checkedAt === null || Date.now() - s.checkedAt > HEALTH_MAX_AGE_MS))
        await refreshServers()
      if (disposed)
        throw new ClientDisposedError('submit()')
      const choice = chooseWithRoom(await fitting(fit))
      if (choice !== undefined)
        return take(choice)
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          slotWaiters.delete(wake)
          resolve()
        }
        slotWaiters.add(wake)
      })
      if (disposed)
        throw new ClientDisposedError('submit()')
    }
  }

  /** The healthy servers that fit the workflow (`undefined`: no check, or no healthy server to check). */
  async function fitting(fit: ServerFit | undefined): Promise<Set<string> | undefined> {
    const healthy = servers.value.filter(s => s.health === 'healthy').map(s => s.url)
    return fit && healthy.length > 0 ? fit.check(healthy) : undefined
  }

  /** Synchronous: a healthy server with room for one more of our tasks (locked on return), or `undefined` if all are full. */
  function chooseWithRoom(allowed?: ReadonlySet<string>): string | undefined {
    const usable = allowed ? servers.value.filter(s => allowed.has(s.url)) : servers.value
    const healthy = usable.filter(s => s.health === 'healthy')
    const loads = healthy.map(s => ({ url: s.url, pending: ownPending(s.url), serviceMs: serviceTimes.get(s.url) ?? null }))
    const roomy = new Set(loads.filter(l => l.pending < options.maxTasksPerServer && !shouldHoldBack(l, loads, slotWaiters.size + 1)).map(l => l.url))
    const open = healthy.filter(s => roomy.has(s.url))
    if (open.length === 0 && healthy.length > 0)
      return undefined
    const server = chooseServer(open.length > 0 ? open : usable, options.strategy, ownPending)
    if (!tethers.has(server)) {
      openTether(server, 'task-submitted')
      record('acquire', `locked ${server} for a new task (${describeChoice(server)}, ${ownPending(server)} of ours there)`, { server })
    }
    releaseTimers.get(server)?.()
    return server
  }

  function describeChoice(server: string): string {
    const s = servers.value.find(x => x.url === server)
    return `healthy, queue ${s?.queueRemaining ?? '?'}`
  }

  // ── persistence ─────────────────────────────────────────────────────────────────────────────────────────────
  function persist(): void {
    if (!options.persist || !ready.value || disposed)
      return
    saveSnapshot(options.persist.storage, options.persist.key, clientId.value, locks.value, [...pendingIds].map(id => tasks.get(id)).filter((t): t is ComfyTask => !!t))
  }
  watch(locks, persist)
  if (!restored)
    persist()

  // ── actions ─────────────────────────────────────────────────────────────────────────────────────────────────
  function waitUntilReady(): Promise<void> {
    if (ready.value)
      return Promise.resolve()
    return new Promise((resolve, reject) => {
      const gone = (): void => reject(new ClientDisposedError('submit()'))
      readyWaiters.add(gone)
      const stop = watch(ready, (value) => {
        if (value) {
          stop()
          readyWaiters.delete(gone)
          resolve()
        }
      })
    })
  }

  /** Waits until the socket is open, known to be unavailable (refused upgrade), or `timeout` passed. */
  function waitForSocket(server: string, timeout: number): Promise<void> {
    const tether = tethers.get(server)
    tether?.ensureSocket()
    const usable = (): boolean => !tether || tether.socket.value.status === 'OPEN' || tether.socketUnavailable.value !== null
    if (usable() || timeout === 0)
      return Promise.resolve()
    return new Promise((resolve) => {
      const cancel = timers.after(timeout, () => done())
      const stop = watch(usable, ok => ok && done())
      function done(): void {
        cancel()
        stop()
        resolve()
      }
    })
  }

  /**
   * Submits a workflow, or a template with its values (`submit(tpl, { prompt, seed: 'random' })`): locks a server that
   * can run it (or uses the locked one), uploads `images` there, queues the workflow there under a prompt id minted
   * here, and follows it to the end. Invalid input, template values, capability and validation errors are rejected
   * before anything is sent. Resolves once the task has its server; `result` settles when the task ends. A UI-format
   * workflow (ComfyUI's "Save") is converted with the `/object_info` of each candidate server; the chosen one's prompt is sent.
   */
  async function submit(workflow: ComfyWorkflow | UiWorkflow, submitOptions?: SubmitOptions): Promise<ComfyTaskHandle>
  async function submit<P extends string>(template: WorkflowTemplate<P>, values: WorkflowValues<P>, submitOptions?: SubmitOptions): Promise<ComfyTaskHandle>
  async function submit(first: ComfyWorkflow | UiWorkflow | WorkflowTemplate, second?: unknown, third?: SubmitOptions): Promise<ComfyTaskHandle> {
    const { source, options: submitOptions, filled: early } = resolveSource(first, second, third, objectInfos.known())
    const images = submitOptions.images ?? {}
    await waitUntilReady()
    const validate = submitOptions.validate !== false
    const skip = uncheckedInputs(submitOptions, early)
    const promptId = mintUuid()
    const server = await placeTask(promptId, validate || source.format === 'ui' ? createServerFit(source, skip, objectInfoOrUnknown, objectInfos.peek, validate) : undefined)
    const { prompt, filled } = source.placed(server, objectInfos.peek(server))
    workflows.track(promptId, server, prompt, filled, nodesToRun(prompt, objectInfos.peek(server)), source.format)
    const result = new Promise<ComfyTaskResult>((resolve, reject) => settlers.set(promptId, { resolve, reject }))
    result.catch(() => {}) // the app may never await it; the task's state carries the error either way
    const current = (): string => renamed.get(promptId) ?? promptId
    const handle: ComfyTaskHandle = { promptId, task: computed(() => tasks.get(current())), workflow: computed(() => workflows.view(current())), result }
    void runTask(promptId, server, prompt, images, submitOptions.extraData, { validate, skip, filled })
    return handle
  }

  /** Waits while the task's server is in an outage; `false` when the task ended meanwhile (lost, cancelled). */
  async function waitForServer(server: string, promptId: string): Promise<boolean> {
    await tethers.get(server)?.whenReachable()
    const task = tasks.get(renamed.get(promptId) ?? promptId)
    return !!task && !isTerminal(task.state) && !disposed
  }

  /** POST /prompt got no answer: only the server can say whether it was queued, so reconcile asks instead of resending. */
  function markUnconfirmed(promptId: string, server: string): void {
    const task = tasks.get(promptId)
    if (task && !isTerminal(task.state))
      setTask({ ...task, state: 'queued', unconfirmed: true, queuedAt: Date.now() })
    record('reconcile', `POST /prompt of ${promptId} got no answer from ${server}; asking the server instead of resending`, { server, promptId })
    tethers.get(server)?.schedulePoll(0)
    if (task?.cancelRequested)
      cancelLater(promptId) // cancelled while the POST was in flight: delete it there in case it arrived
  }

  async function runTask(promptId: string, server: string, prompt: ComfyWorkflow, images: Record<string, Blob>, extraData: Record<string, unknown> | undefined, check: { validate: boolean, skip: readonly string[], filled: FilledWorkflow | null }): Promise<void> {
    try {
      await waitForSocket(server, options.socketOpenTimeout)
      // Nothing is sent into a known outage: wait for the server (the outage rule ends the task after maxOutage).
      if (!await waitForServer(server, promptId))
        return
      const info = check.validate ? await objectInfoOrUnknown(server) : undefined
      if (fitSeeds(prompt, check.filled, info))
        workflows.touch(promptId)
      prepareWorkflowForServer(server, prompt, info, check)
      for (const [nodeId, file] of Object.entries(images)) {
        const name = file instanceof File && file.name ? file.name : `comfy-tether-${promptId.slice(0, 8)}-${nodeId}.png`
        const uploaded = await api.uploadImage({ server, file, filename: name, promptId })
        const node = prompt[nodeId]
        if (node)
          node.inputs = { ...node.inputs, image: uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name }
      }
      const before = tasks.get(promptId)
      if (!before || isTerminal(before.state))
        return
      if (before.cancelRequested)
        return setTask(endTask(before, 'cancelled', new TaskCancelledError(server, promptId, 'not-sent'), Date.now()))
      unconfirmedPrompts.set(promptId, { prompt, extraData, resends: 0 })
      let accepted
      for (;;) {
        if (!await waitForServer(server, promptId))
          return
        const now = tasks.get(promptId)
        if (now?.cancelRequested) // cancelled while it waited for the server
          return setTask(endTask(now, 'cancelled', new TaskCancelledError(server, promptId, 'not-sent'), Date.now()))
        sending.add(promptId)
        try {
          accepted = await api.queuePrompt({ server, promptId, clientId: clientId.value, prompt, extraData })
          break
        }
        catch (error) {
          if (!isComfyTetherError(error, 'SERVER_UNREACHABLE'))
            throw error
          // A refused connection sent nothing: wait out the outage and send it then. Any other silence is ambiguous.
          if (!refusedBeforeSending(error))
            return markUnconfirmed(promptId, server)
          sending.delete(promptId)
          tethers.get(server)?.markUnreachable()
        }
      }
      onAccepted(promptId, server, accepted)
    }
    catch (error) {
      const task = tasks.get(renamed.get(promptId) ?? promptId)
      if (task && !disposed)
        setTask(endTask(task, 'failed', isComfyTetherError(error) ? error : new RequestFailedError(server, 'submit', undefined, `task ${promptId}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }), Date.now()))
    }
  }

  /** `POST /prompt` was answered: follow the prompt under the id the server gave, and carry out a cancel made meanwhile. */
  function onAccepted(promptId: string, server: string, accepted: { prompt_id: string, number: number }): void {
    unconfirmedPrompts.delete(promptId)
    sending.delete(promptId)
    const clash = accepted.prompt_id !== promptId && tasks.has(accepted.prompt_id)
    if (clash) {
      // Two submits answered with one prompt id: one task could never settle. The server broke the protocol.
      const task = tasks.get(promptId)
      if (task)
        setTask(endTask(task, 'failed', new ProtocolError(server, `POST /prompt answered prompt_id ${accepted.prompt_id} for task ${promptId}, an id it already gave another task of this client`), Date.now()))
      return
    }
    honoursIds.set(server, accepted.prompt_id === promptId)
    const id = accepted.prompt_id === promptId ? promptId : rekey(promptId, accepted.prompt_id)
    const tether = tethers.get(server)
    tether?.noteQueueNumber(accepted.number)
    const task = tasks.get(id)
    if (task && !isTerminal(task.state))
      setTask({ ...task, state: task.state === 'preparing' ? 'queued' : task.state, number: accepted.number, queuedAt: task.queuedAt ?? Date.now() })
    persist() // a reload now knows the prompt reached the server, and its place in the queue
    if (id !== promptId)
      void tether?.reconcile('server assigned its own prompt id')
    tether?.schedulePoll()
    // cancel() while the POST was in flight: the prompt is on the server now, so cancel it there.
    if (tasks.get(id)?.cancelRequested)
      cancelLater(id)
  }

  /**
   * Sends an unconfirmed prompt again under the same id, once it is on neither `/queue` nor `/history` past the grace
   * period: the server never got it (or lost it in a restart), so this cannot run it twice. Only for servers that
   * honour client ids (an older one would mint a new id each time), and at most `MAX_RESENDS` times.
   */
  async function resubmit(task: ComfyTask): Promise<boolean> {
    const entry = unconfirmedPrompts.get(task.promptId)
    if (task.cancelRequested) {
      // Cancelled, and on neither /queue nor /history past the grace period: it never ran and is not sent again.
      setTask(endTask(task, 'cancelled', new TaskCancelledError(task.server, task.promptId, 'not-sent'), Date.now()))
      return true
    }
    if (!entry || entry.resends >= MAX_RESENDS)
      return false
    let honours = honoursIds.get(task.server)
    if (honours === undefined) {
      try {
        honours = await api.honoursClientPromptIds(task.server)
        honoursIds.set(task.server, honours)
      }
      catch {
        return false
      }
    }
    if (!honours)
      return false
    entry.resends++
    record('reconcile', `POST /prompt of ${task.promptId} reached neither the queue nor the history of ${task.server}: sending it again under the same id (${entry.resends}/${MAX_RESENDS})`, { server: task.server, promptId: task.promptId })
    const still = (): ComfyTask | undefined => {
      const current = tasks.get(task.promptId)
      return current && !isTerminal(current.state) ? current : undefined
    }
    try {
      const accepted = await api.queuePrompt({ server: task.server, promptId: task.promptId, clientId: clientId.value, prompt: entry.prompt, extraData: entry.extraData })
      unconfirmedPrompts.delete(task.promptId)
      const current = still()
      if (current)
        setTask(updateTask(current, { state: current.state === 'running' ? 'running' : 'queued', number: accepted.number, unconfirmed: false, missingSince: null }))
    }
    catch (error) {
      const current = still()
      if (current && isComfyTetherError(error, 'SERVER_UNREACHABLE'))
        setTask(updateTask(current, { missingSince: null })) // still unanswered: look again after another grace period
      else if (current)
        setTask(endTask(current, 'failed', isComfyTetherError(error) ? error : new RequestFailedError(task.server, 'POST /prompt', undefined, String(error), { cause: error }), Date.now()))
    }
    return true
  }

  /** Servers older than ComfyUI 0.3.45 ignore the client's prompt id and answer with their own: follow theirs. */
  function rekey(from: string, to: string): string {
    const task = tasks.get(from)
    if (!task)
      return to
    tasks.delete(from)
    pendingIds.delete(from)
    renamed.set(from, to)
    workflows.rekey(from, to)
    const settle = settlers.get(from)
    settlers.delete(from)
    if (settle)
      settlers.set(to, settle)
    setTask({ ...task, promptId: to })
    record('acquire', `${task.server} ignored the client prompt id ${from} and queued it as ${to} (ComfyUI older than 0.3.45)`, { server: task.server, promptId: to })
    return to
  }

  const { cancelOnServer, cancelLater } = createCanceller({
    api,
    getTask: id => tasks.get(id),
    setTask,
    lostGraceMs: options.reconcile.lostGrace,
    schedulePoll: server => tethers.get(server)?.schedulePoll(),
    note: (task, message) => record('refuse', message, { server: task.server, promptId: task.promptId }),
    refused(promptId, server, message, code) {
      record('refuse', message, { server, promptId, code: code as LockEvent['code'] })
      logger.warn(message)
    },
  })

  /**
   * Cancels a task on its own server: a queued task is deleted from the queue, a running one is interrupted (only
   * once `/queue` shows it is ours that runs). A task not sent yet is stopped before its `POST /prompt`; one whose
   * `POST /prompt` is in flight is cancelled on the server as soon as the answer comes. Resolves when the request
   * was sent (the task becomes `cancelled` when the server confirms); rejects with the typed error of a failed request.
   */
  async function cancel(promptId: string): Promise<void> {
    const id = renamed.get(promptId) ?? promptId
    const task = tasks.get(id)
    if (!task)
      throw new TaskNotFoundError(promptId)
    if (isTerminal(task.state))
      return
    setTask({ ...task, cancelRequested: true })
    // Not sent yet: runTask stops it before its POST /prompt. In flight: the server may run it before the answer
    // comes, so it is cancelled there now under its client-minted id (and again once the answer comes).
    if (task.state === 'preparing' && !task.unconfirmed && !(sending.has(id) && honoursIds.get(task.server) === true))
      return
    await cancelOnServer(id)
  }

  const { abandon, refuseIfDown: refuseIfLockedServerDown } = createDeadServerRules({ tethers, serverCount: serverUrls.length, pendingOn, setTask, closeTether, record, wasSent })

  /** Could the server have this task (its `POST /prompt` sent, answered or not)? */
  function wasSent(task: ComfyTask): boolean {
    return task.state !== 'preparing' || task.unconfirmed || sending.has(task.promptId)
  }

  /** Uploads an image of the app's own to the locked server (or the one a new task would use). */
  async function uploadImage(file: Blob, uploadOptions: { filename?: string, subfolder?: string, type?: 'input' | 'temp' | 'output', overwrite?: boolean } = {}): Promise<{ name: string, subfolder: string, type: string, server: string }> {
    assertImage('upload', file, { upload: { class_type: 'LoadImage', inputs: {} } })
    let server = sessionMode ? await sessionServer() : await taskServer()
    while (server === undefined) // a shared choice made for a workflow that fits nowhere; choose again
      server = await sessionServer()
    const filename = uploadOptions.filename ?? (file instanceof File && file.name ? file.name : `comfy-tether-${Date.now()}.png`)
    try {
      const result = await api.uploadImage({ server, file, filename, subfolder: uploadOptions.subfolder, type: uploadOptions.type, overwrite: uploadOptions.overwrite })
      return { ...result, server }
    }
    finally {
      scheduleRelease(server)
    }
  }

  /** The configured server an image is on: the task's, the one given (resolved by the URL model), or where calls go now. */
  function imageServer(caller: string, taskOrServer: ComfyTask | string | undefined): string {
    const given = typeof taskOrServer === 'string' ? taskOrServer : taskOrServer?.server ?? getApiBaseUrl()
    if (!given)
      throw new NoServerAvailableError(serverUrls, { [caller]: `${caller}() needs a server: pass the task the image belongs to` })
    const server = serverOfUrl(given, serverUrls)
    if (!server)
      throw new InvalidServerUrlError(describeTarget(given), `${caller}() refused it: it is not a configured server (${serverUrls.join(', ')})`)
    return server
  }

  /** The `/view` URL of an image on a task's server (or, without a task, on the server calls go to now), with the server's query credential if it has `auth.query`. */
  function viewUrl(image: ComfyImageRef, taskOrServer?: ComfyTask | string): string {
    const server = imageServer('viewUrl', taskOrServer)
    return serverViewUrl(server, image, credentials.get(server))
  }

  /** Loads an image with its server's headers into a revocable object URL, for servers that take no query credential. */
  async function loadImage(image: ComfyImageRef, taskOrServer?: ComfyTask | string): Promise<LoadedImage> {
    return images.load(imageServer('loadImage', taskOrServer), image, typeof taskOrServer === 'object' ? taskOrServer.promptId : undefined)
  }

  /**
   * The server a call made now goes to: a task's own server when `promptId` is given; the locked server while the
   * session lock holds; otherwise the server a new task would most likely get (from the last health checks).
   */
  function getApiBaseUrl(promptId?: string): string | undefined {
    if (promptId !== undefined)
      return tasks.get(renamed.get(promptId) ?? promptId)?.server
    const held = heldSessionServer()
    if (held)
      return held
    try {
      return chooseServer(servers.value.map(s => (s.health === 'unknown' ? { ...s, health: 'healthy' as const } : s)), options.strategy, ownPending)
    }
    catch {
      return undefined
    }
  }

  function socketServerOf(tether: ServerTether | undefined): string | undefined {
    const ws = tether?.ws.value
    return ws && tether.socket.value.status !== 'CLOSED' ? serverOfUrl(ws.url, serverUrls) : undefined
  }

  /** Do the lock, the socket and the API base URL agree (for the session lock, or for one task's server)? */
  function validateServerConsistency(operation = 'check', promptId?: string): ServerConsistency {
    if (promptId !== undefined) {
      const server = getApiBaseUrl(promptId)
      const tether = server === undefined ? undefined : tethers.get(server)
      if (!tether)
        return { consistent: true, server: server ?? null, operation }
      return checkServerConsistency({ lock: tether.lock, apiServer: server, socketServer: socketServerOf(tether), pendingCount: pendingOn(tether.server).length, operation })
    }
    if (!sessionMode) {
      for (const tether of tethers.values()) {
        const verdict = checkServerConsistency({ lock: tether.lock, apiServer: tether.server, socketServer: socketServerOf(tether), pendingCount: pendingOn(tether.server).length, operation })
        if (!verdict.consistent)
          return verdict
      }
      return { consistent: true, server: null, operation }
    }
    return checkServerConsistency({ lock: lock.value, apiServer: getApiBaseUrl(), socketServer: socketServerOf(sessionTether()), pendingCount: pendingIds.size, operation })
  }

  /** May the lock (of the session, or of one server) be released now? */
  function checkUnlockCondition(server?: string): UnlockCondition {
    const tether = server === undefined ? sessionTether() ?? tethers.values().next().value : tethers.get(server)
    return unlockRule(tether?.lock ?? null, tether ? pendingOn(tether.server).map(t => t.promptId) : [])
  }

  /** A plain snapshot of the locks, sockets and pending tasks, for the console (one task's view with `promptId`). */
  function debugLock(promptId?: string): LockDebugInfo {
    const taskServer = promptId === undefined ? undefined : getApiBaseUrl(promptId)
    const tether = taskServer !== undefined ? tethers.get(taskServer) : sessionTether()
    const pending = [...pendingIds].map(id => tasks.get(id)).filter((t): t is ComfyTask => !!t && (taskServer === undefined || t.server === taskServer))
    return {
      affinity: options.affinity,
      lock: lock.value,
      locks: locks.value,
      clientId: clientId.value,
      socket: tether ? { ...tether.socket.value, url: tether.ws.value ? redactUrl(tether.ws.value.url) : null } : null,
      sockets: sockets.value,
      pending: pending.map(t => ({ promptId: t.promptId, state: t.state, server: t.server })),
      unreachableSince: unreachableSince.value,
      malformedFrames: malformedFrames.value,
    }
  }

  /** Releases the lock (of the session, or of `server`) now. Refused with `LockBusyError` while its tasks are pending. */
  function release(server?: string): void {
    const targets = server !== undefined ? [tethers.get(server)].filter((t): t is ServerTether => !!t) : [...tethers.values()]
    for (const tether of targets) {
      const pending = pendingOn(tether.server).map(t => t.promptId)
      if (pending.length > 0) {
        const error = new LockBusyError(tether.server, pending)
        record('refuse', error.message, { server: tether.server, code: error.code })
        throw error
      }
    }
    for (const tether of targets) closeTether(tether, 'released on request')
  }

  /** What each server lacks to run `workflow` (`[]`: it can; `null`: unknown, e.g. never read and another server is locked). */
  function canRunOn(workflow: ComfyWorkflow | UiWorkflow | WorkflowTemplate): Promise<Record<string, string[] | null>> {
    const held = sessionMode ? heldSessionServer() : undefined
    return lacksByServer(workflow, serverUrls, server => objectInfos.peek(server) ?? (!held || held === server ? objectInfoOrUnknown(server) : undefined))
  }

  /** Asks each locked server about its pending tasks now. */
  async function reconcileNow(): Promise<void> {
    await Promise.all([...tethers.values()].map(t => t.reconcile('requested')))
  }

  onScopeDispose(() => {
    disposed = true
    workflows.dispose()
    for (const [id, settle] of [...settlers]) settle.reject(new ClientDisposedError('The task', id))
    for (const gone of [...readyWaiters]) gone()
    settlers.clear()
    health.dispose()
    timers.clearAll()
    guard.stop()
    removeWatchdog()
    comfyHttp.dispose()
    images.dispose()
    for (const tether of tethers.values()) tether.dispose()
    for (const wake of [...slotWaiters]) wake()
    for (const url of previewUrls.values()) URL.revokeObjectURL(url)
    previewUrls.clear()
  })

  return {
    // state
    clientId,
    servers,
    tasks,
    log,
    malformedFrames,
    previewUrls,
    ready,
    // getters
    affinity: computed(() => options.affinity),
    lock,
    locks,
    socket,
    sockets,
    unreachableSince,
    socketUnavailable,
    pendingCount,
    taskList,
    // actions
    submit,
    canRunOn,
    /** `GET /object_info` of a server, cached until its socket reconnects (a restart may change what is installed). */
    objectInfo: (server: string) => objectInfos.get(server),
    /** The workflow view of a task (overall progress, queue position, ETA, outputs), if it was submitted by this store. */
    taskWorkflow: (promptId: string): TaskWorkflowView | undefined => workflows.view(renamed.get(promptId) ?? promptId),
    cancel,
    uploadImage,
    viewUrl,
    loadImage,
    getApiBaseUrl,
    validateServerConsistency,
    checkUnlockCondition,
    debugLock,
    release,
    abandon,
    refreshServers,
    reconcileNow,
    /** @internal the axios instance, for `useComfyHttp()`. */
    _httpInstance: () => http,
  }
})

/** The store's type. */
export type ComfyStore = ReturnType<typeof useComfyStore>
