import type { ComputedRef } from 'vue'
import type { ComfyImageRef } from '../core/api-types'
import type { ComfyTetherError } from '../core/errors'
import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ServerConsistency, ServerLock, UnlockCondition } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { ComfyWorkflow } from '../core/validate-input'
import type { ResolvedComfyOptions } from './options'
import type { ComfySocketState } from './use-comfy-socket'
import { defineStore } from 'pinia'
import { computed, inject, markRaw, onScopeDispose, shallowReactive, shallowRef, triggerRef, watch } from 'vue'
import { backoffDelay } from '../core/backoff'
import { parseBinaryFrame } from '../core/binary-frames'
import { ComfyTetherError as BaseError, InvalidArgumentError, isComfyTetherError, LockBusyError, TaskCancelledError, TaskLostError, TaskNotFoundError } from '../core/errors'
import { mintClientId, mintUuid } from '../core/ids'
import { appendBounded } from '../core/lock-log'
import { parseMessage } from '../core/protocol'
import { acquireLock, checkServerConsistency, checkUnlockCondition as unlockRule, lockedServerFor } from '../core/server-lock'
import { chooseServer } from '../core/server-pool'
import { serverOfUrl, serverViewUrl, serverWsUrl } from '../core/server-url'
import { applyMessage, applyPreview, createTask, endTask, isTerminal, messagePromptId, reconcileTask } from '../core/task-state'
import { createTimerGroup } from '../core/timers'
import { assertImage, assertWorkflow } from '../core/validate-input'
import { createComfyApi } from '../http/comfy-api'
import { createComfyHttp } from '../http/create-comfy-http'
import { COMFY_OPTIONS_KEY } from './keys'
import { createClientIdGuard, loadSnapshot, saveSnapshot } from './persistence'
import { useComfySocket } from './use-comfy-socket'

/** Options of one `submit()`. */
export interface SubmitOptions {
  /** Images to upload before queueing, keyed by the id of their `LoadImage` node; the node's `image` input is set to the uploaded name. */
  images?: Record<string, Blob>
  /** Passed to ComfyUI as `extra_data`. */
  extraData?: Record<string, unknown>
}

/** What a finished task produced. */
export interface ComfyTaskResult {
  promptId: string
  server: string
  outputs: Record<string, Record<string, unknown>>
  images: ComfyImageRef[]
  /** `/view` URLs of the images, on the task's own server. */
  imageUrls: string[]
}

/** The handle `submit()` returns at once. */
export interface ComfyTaskHandle {
  promptId: string
  /** The task, reactive (it follows re-keying when an old server replaces the prompt id). */
  task: ComputedRef<ComfyTask | undefined>
  /** Resolves with the outputs when the task succeeds; rejects with its typed error otherwise. */
  result: Promise<ComfyTaskResult>
}

/** A snapshot for the console. */
export interface LockDebugInfo {
  lock: ServerLock | null
  clientId: string
  socket: ComfySocketState & { url: string | null }
  pending: { promptId: string, state: string, server: string }[]
  unreachableSince: number | null
  malformedFrames: number
}

const CLAIM_WAIT_MS = 150

/**
 * The comfy-tether store: the server lock, the socket, every task, and the lock event log.
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
  const { logger } = options
  const timers = createTimerGroup()
  const serverUrls = options.servers.map(s => s.url)
  const headersByServer = new Map(options.servers.map(s => [s.url, s.headers ?? {}]))

  // ── state ────────────────────────────────────────────────────────────────────────────────────────────────────
  const restored = options.persist ? loadSnapshot(options.persist.storage, options.persist.key) : undefined
  const clientId = shallowRef(restored?.clientId ?? mintClientId())
  const lock = shallowRef<ServerLock | null>(null)
  const tasks = shallowReactive(new Map<string, ComfyTask>())
  const pendingIds = shallowReactive(new Set<string>())
  const servers = shallowRef<ServerStatus[]>(options.servers.map(s => ({ url: s.url, label: s.label ?? s.url, health: 'unknown', queueRemaining: null, checkedAt: null, error: null })))
  const log = shallowRef<LockEvent[]>([])
  const malformedFrames = shallowRef(0)
  const unreachableSince = shallowRef<number | null>(null)
  const previewUrls = shallowReactive(new Map<string, string>())
  const ready = shallowRef(!restored)
  const pendingCount = computed(() => pendingIds.size)
  const taskList = computed(() => [...tasks.values()].sort((a, b) => b.createdAt - a.createdAt))

  const settlers = new Map<string, { resolve: (r: ComfyTaskResult) => void, reject: (e: ComfyTetherError) => void }>()
  const renamed = new Map<string, string>()
  let outageSeen = false
  let cancelRelease: (() => void) | undefined
  let cancelPoll: (() => void) | undefined
  let cancelOutage: (() => void) | undefined
  let acquiring: Promise<string> | undefined
  let disposed = false

  function record(kind: LockEventKind, message: string, extra: Partial<LockEvent> = {}): void {
    appendBounded(log.value, { at: Date.now(), kind, message, ...extra }, options.logLimit)
    triggerRef(log)
    logger.debug(message, extra)
  }

  // ── http: the interceptor reads the lock from this store ────────────────────────────────────────────────────
  const comfyHttp = createComfyHttp({
    http: options.http,
    config: { timeout: options.requestTimeout, ...options.httpConfig },
    lockedServer: () => lockedServerFor({ lock: lock.value, pendingCount: pendingIds.size, socketOpen: socket.state.value.status === 'OPEN' }),
    taskServer: promptId => tasks.get(promptId)?.server,
    servers: () => serverUrls,
    fallbackServer: () => getApiBaseUrl(),
    headersFor: server => headersByServer.get(server),
    onRefused: (error) => {
      record('refuse', error.message, { code: error.code, server: lock.value?.server })
      logger.warn(error.message)
    },
  })
  const http = markRaw(comfyHttp.http)
  const api = createComfyApi(http)

  // ── socket: only ever to the locked server ──────────────────────────────────────────────────────────────────
  const socketUrl = computed(() => (lock.value && ready.value ? serverWsUrl(lock.value.server, clientId.value) : undefined))
  const socket = useComfySocket(socketUrl, {
    shouldReconnect: () => options.reconnect !== false && pendingIds.size > 0 && socket.state.value.attempts < options.reconnect.retries,
    delay: attempt => (options.reconnect === false ? 0 : backoffDelay(attempt, options.reconnect)),
    onOpen(ws) {
      // The first frame asks for previews with metadata (type 4), which carry their prompt_id.
      ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }))
      markReachable()
      record('socket-open', `socket open to ${lock.value?.server} (clientId ${clientId.value})`, { server: lock.value?.server })
      if (pendingIds.size > 0)
        void reconcile('socket reconnected')
    },
    onClose(event) {
      const server = lock.value?.server
      if (!server)
        return
      record('socket-closed', `socket to ${server} closed (code ${event.code})${pendingIds.size > 0 ? `; holding the lock: ${pendingIds.size} task(s) pending` : ''}`, { server })
      if (pendingIds.size > 0) {
        record('hold', `lock held on ${server} while the socket is down`, { server })
        if (event.code !== 1000 && event.code !== 4000) {
          outageSeen = true
          markUnreachable()
        }
        schedulePoll()
      }
    },
    onFrame: handleFrame,
  })

  // ── restore after reload ────────────────────────────────────────────────────────────────────────────────────
  const guard = createClientIdGuard(`comfy-tether:${options.persist ? options.persist.key : 'memory'}`, () => clientId.value)
  if (restored) {
    if (restored.lock && restored.tasks.length > 0) {
      lock.value = { ...restored.lock, clientId: restored.clientId, reason: 'restored-after-reload' }
      for (const t of restored.tasks) {
        const task = { ...createTask({ promptId: t.promptId, server: t.server, clientId: restored.clientId, now: t.createdAt }), state: t.state === 'preparing' ? 'queued' as const : t.state, number: t.number, cancelRequested: t.cancelRequested, unconfirmed: t.unconfirmed || t.state === 'preparing' }
        tasks.set(t.promptId, task)
        if (!isTerminal(task.state))
          pendingIds.add(t.promptId)
      }
      record('restore', `restored the lock on ${restored.lock.server} with ${pendingIds.size} pending task(s) after a reload`, { server: restored.lock.server })
    }
    void guard.isTaken(restored.clientId, CLAIM_WAIT_MS).then((taken) => {
      if (disposed)
        return
      if (taken) {
        // A duplicated tab: the pending tasks belong to the original tab, which is still alive.
        clientId.value = mintClientId()
        lock.value = null
        tasks.clear()
        pendingIds.clear()
        record('duplicate-tab', 'this tab is a duplicate of a live tab: took a new clientId and left the other tab\'s tasks to it')
      }
      ready.value = true
      persist()
      if (pendingIds.size > 0)
        schedulePoll(0)
      ensureReleaseIfIdle()
    })
  }
  else {
    persist()
  }

  // ── tasks ───────────────────────────────────────────────────────────────────────────────────────────────────
  function setTask(next: ComfyTask): void {
    const previous = tasks.get(next.promptId)
    if (previous === next)
      return
    tasks.set(next.promptId, next)
    if (isTerminal(next.state)) {
      if (pendingIds.delete(next.promptId))
        onTaskEnded(next)
    }
    else if (!pendingIds.has(next.promptId)) {
      pendingIds.add(next.promptId)
      cancelRelease?.()
      persist()
    }
  }

  function onTaskEnded(task: ComfyTask): void {
    record('task-end', `task ${task.promptId} ${task.state} on ${task.server}${task.error ? `: ${task.error.message}` : ''}`, { server: task.server, promptId: task.promptId, code: task.error?.code })
    const settle = settlers.get(task.promptId)
    settlers.delete(task.promptId)
    if (settle) {
      if (task.state === 'succeeded')
        settle.resolve(resultOf(task))
      else
        settle.reject(task.error ?? new BaseError('TASK_LOST', `Task ${task.promptId} ended as ${task.state}.`))
    }
    const url = previewUrls.get(task.promptId)
    if (url && task.state !== 'succeeded') {
      URL.revokeObjectURL(url)
      previewUrls.delete(task.promptId)
    }
    pruneFinished()
    persist()
    ensureReleaseIfIdle()
  }

  function resultOf(task: ComfyTask): ComfyTaskResult {
    return { promptId: task.promptId, server: task.server, outputs: task.outputs, images: task.images, imageUrls: task.images.map(i => serverViewUrl(task.server, i)) }
  }

  function pruneFinished(): void {
    const finished = [...tasks.values()].filter(t => isTerminal(t.state))
    const excess = finished.length - options.taskRetention
    if (excess <= 0)
      return
    finished.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
    for (const task of finished.slice(0, excess)) {
      tasks.delete(task.promptId)
      const url = previewUrls.get(task.promptId)
      if (url) {
        URL.revokeObjectURL(url)
        previewUrls.delete(task.promptId)
      }
    }
  }

  function runningPromptId(): string | undefined {
    let best: ComfyTask | undefined
    for (const id of pendingIds) {
      const task = tasks.get(id)
      if (!task || task.server !== lock.value?.server || task.state === 'preparing')
        continue
      if (task.state === 'running')
        return id
      if (!best || (task.number ?? Infinity) < (best.number ?? Infinity))
        best = task
    }
    return best?.promptId
  }

  // ── frames ──────────────────────────────────────────────────────────────────────────────────────────────────
  function handleFrame(data: unknown): void {
    if (typeof data === 'string') {
      const parsed = parseMessage(data)
      if (!parsed.ok)
        return malformed(parsed.reason)
      const message = parsed.value
      if (message.type === 'status') {
        const queueRemaining = message.data.status?.exec_info?.queue_remaining
        if (typeof queueRemaining === 'number' && lock.value)
          updateServer(lock.value.server, { queueRemaining, health: 'healthy' })
        return
      }
      const id = messagePromptId(message, runningPromptId())
      const task = id === undefined ? undefined : tasks.get(id)
      if (!task || task.server !== lock.value?.server)
        return // another client's prompt, or one of ours that already ended and was pruned
      if (message.type === 'execution_success' && Object.keys(task.outputs).length === 0)
        return void completeFromHistory(task.promptId, () => applyMessage(task, message, Date.now()))
      setTask(applyMessage(task, message, Date.now()))
      return
    }
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const parsed = parseBinaryFrame(data instanceof ArrayBuffer ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      if (!parsed.ok)
        return malformed(parsed.reason)
      const frame = parsed.value
      if (frame.kind !== 'preview')
        return
      const id = frame.metadata?.prompt_id ?? runningPromptId()
      const task = id === undefined ? undefined : tasks.get(id)
      if (!task || task.server !== lock.value?.server)
        return
      const next = applyPreview(task, { mime: frame.imageType, bytes: frame.bytes, nodeId: frame.metadata?.node_id ?? task.node, receivedAt: Date.now() })
      setTask(next)
      if (next !== task && typeof URL.createObjectURL === 'function') {
        const old = previewUrls.get(task.promptId)
        previewUrls.set(task.promptId, URL.createObjectURL(new Blob([frame.bytes.slice()], { type: frame.imageType })))
        if (old)
          URL.revokeObjectURL(old)
      }
      return
    }
    if (typeof Blob !== 'undefined' && data instanceof Blob)
      return void data.arrayBuffer().then(handleFrame, () => malformed('unreadable binary frame'))
    malformed(`frame of unexpected type ${typeof data}`)
  }

  function malformed(reason: string): void {
    malformedFrames.value++
    record('malformed', `ignored a malformed frame from ${lock.value?.server ?? 'the server'}: ${reason}`, { server: lock.value?.server, code: 'PROTOCOL_ERROR' })
    logger.warn(`malformed frame ignored: ${reason}`)
  }

  /** Success was announced but no `executed` reached us (the socket was down then): take the outputs from `/history`. */
  async function completeFromHistory(promptId: string, fallback: () => ComfyTask): Promise<void> {
    const task = tasks.get(promptId)
    if (!task)
      return
    try {
      const history = await api.history(task.server, promptId)
      const current = tasks.get(promptId)
      if (!current)
        return
      const next = history ? reconcileTask(current, { history, queue: undefined }, Date.now(), options.reconcile.lostGrace) : 'lost'
      setTask(next === 'lost' || !isTerminal(next.state) ? fallback() : next)
    }
    catch (error) {
      logger.warn(`could not fetch the outputs of ${promptId} from /history`, error)
      setTask(fallback())
    }
  }

  // ── server choice and the lock ──────────────────────────────────────────────────────────────────────────────
  function updateServer(url: string, patch: Partial<ServerStatus>): void {
    servers.value = servers.value.map(s => (s.url === url ? { ...s, ...patch, checkedAt: Date.now() } : s))
  }

  /**
   * Asks `GET /prompt` of the servers: all of them when unlocked, only the locked one while tasks are pending
   * (nothing is sent to another server while locked).
   */
  async function refreshServers(): Promise<ServerStatus[]> {
    const held = lockedServerFor({ lock: lock.value, pendingCount: pendingIds.size, socketOpen: socket.state.value.status === 'OPEN' })
    const targets = held ? [held] : serverUrls
    await Promise.all(targets.map(async (url) => {
      try {
        const queueRemaining = await api.queueRemaining(url, options.healthTimeout)
        updateServer(url, { health: 'healthy', queueRemaining, error: null })
      }
      catch (error) {
        updateServer(url, { health: 'unreachable', error: isComfyTetherError(error) ? error.message.replace(/^\[comfy-tether\] /, '') : String(error) })
      }
    }))
    return servers.value
  }

  async function ensureLock(): Promise<string> {
    const held = lockedServerFor({ lock: lock.value, pendingCount: pendingIds.size, socketOpen: socket.state.value.status === 'OPEN' })
    if (held) {
      cancelRelease?.()
      return held
    }
    acquiring ??= (async () => {
      await refreshServers()
      const server = chooseServer(servers.value, options.strategy, url => [...pendingIds].filter(id => tasks.get(id)?.server === url).length)
      lock.value = acquireLock(lock.value, { server, clientId: clientId.value, reason: 'task-submitted', now: Date.now(), pending: [...pendingIds] })
      record('acquire', `locked to ${server} for a new task (${describeChoice(server)})`, { server })
      return server
    })().finally(() => {
      acquiring = undefined
    })
    return acquiring
  }

  function describeChoice(server: string): string {
    const s = servers.value.find(x => x.url === server)
    return `healthy, queue ${s?.queueRemaining ?? '?'}`
  }

  function ensureReleaseIfIdle(): void {
    if (!lock.value || pendingIds.size > 0 || cancelRelease)
      return
    cancelRelease = timers.after(options.releaseDelay, () => {
      cancelRelease = undefined
      if (!lock.value || pendingIds.size > 0)
        return
      const server = lock.value.server
      lock.value = null
      outageSeen = false
      unreachableSince.value = null
      cancelOutage?.()
      cancelPoll?.()
      record('release', `released the lock on ${server}: no task pending`, { server })
      persist()
    })
    const cancel = cancelRelease
    cancelRelease = () => {
      cancel()
      cancelRelease = undefined
    }
  }

  // ── reconcile and outages ───────────────────────────────────────────────────────────────────────────────────
  let reconciling: Promise<void> | undefined
  function reconcile(reason: string): Promise<void> {
    reconciling ??= runReconcile(reason).finally(() => {
      reconciling = undefined
    })
    return reconciling
  }

  async function runReconcile(reason: string): Promise<void> {
    const server = lock.value?.server
    if (!server || !ready.value)
      return
    const targets = [...pendingIds].map(id => tasks.get(id)).filter((t): t is ComfyTask => !!t && t.server === server && (t.state !== 'preparing' || t.unconfirmed))
    if (targets.length === 0)
      return
    let queue: { running: string[], pending: string[] } | undefined
    let ended = 0
    try {
      for (const target of targets) {
        const history = await api.history(server, target.promptId)
        if (!history)
          queue ??= await api.queue(server)
        const current = tasks.get(target.promptId)
        if (!current || isTerminal(current.state))
          continue
        const where = queue === undefined ? undefined : queue.running.includes(target.promptId) ? 'running' as const : queue.pending.includes(target.promptId) ? 'pending' as const : null
        const next = reconcileTask(current, { history, queue: history ? undefined : where }, Date.now(), options.reconcile.lostGrace)
        if (next === 'lost') {
          setTask(endTask(current, 'lost', new TaskLostError(server, current.promptId, outageSeen ? 'server-restarted' : 'not-on-server'), Date.now()))
          ended++
        }
        else {
          if (isTerminal(next.state))
            ended++
          setTask(next)
        }
      }
      markReachable()
      record('reconcile', `reconciled ${targets.length} task(s) with ${server} (${reason}): ${ended} ended`, { server })
      // A task that ended without a word on an open socket means the socket is deaf: open a fresh one.
      if (ended > 0 && socket.state.value.status === 'OPEN')
        socket.reconnect()
    }
    catch (error) {
      if (isComfyTetherError(error, 'SERVER_UNREACHABLE'))
        markUnreachable()
      record('reconcile', `reconcile with ${server} failed (${reason}): ${error instanceof Error ? error.message : String(error)}`, { server, code: isComfyTetherError(error) ? error.code : undefined })
    }
    finally {
      if (pendingIds.size > 0)
        schedulePoll()
    }
  }

  function schedulePoll(delay = options.reconcile.interval): void {
    if (cancelPoll || disposed)
      return
    cancelPoll = timers.after(delay, () => {
      cancelPoll = undefined
      if (pendingIds.size === 0 || !lock.value)
        return
      const { status, lastMessageAt } = socket.state.value
      const silentFor = Date.now() - (lastMessageAt ?? 0)
      if (status !== 'OPEN' || silentFor >= options.reconcile.interval || delay === 0)
        void reconcile(status !== 'OPEN' ? 'socket down' : 'socket silent')
      else
        schedulePoll()
    })
    const cancel = cancelPoll
    cancelPoll = () => {
      cancel()
      cancelPoll = undefined
    }
  }

  function markUnreachable(): void {
    if (unreachableSince.value !== null || !lock.value)
      return
    const server = lock.value.server
    unreachableSince.value = Date.now()
    updateServer(server, { health: 'unreachable' })
    record('outage', `${server} is unreachable; its tasks stay pending for up to ${options.maxOutage} ms`, { server })
    cancelOutage = timers.after(options.maxOutage, () => {
      cancelOutage = undefined
      if (unreachableSince.value === null || lock.value?.server !== server)
        return
      record('outage', `${server} unreachable for longer than maxOutage (${options.maxOutage} ms): its pending tasks are lost`, { server, code: 'TASK_LOST' })
      for (const id of [...pendingIds]) {
        const task = tasks.get(id)
        if (task && task.server === server)
          setTask(endTask(task, 'lost', new TaskLostError(server, id, 'server-unreachable'), Date.now()))
      }
    })
  }

  function markReachable(): void {
    if (lock.value)
      updateServer(lock.value.server, { health: 'healthy', error: null })
    if (unreachableSince.value === null)
      return
    unreachableSince.value = null
    cancelOutage?.()
    cancelOutage = undefined
  }

  // ── persistence ─────────────────────────────────────────────────────────────────────────────────────────────
  function persist(): void {
    if (!options.persist || !ready.value)
      return
    saveSnapshot(options.persist.storage, options.persist.key, clientId.value, lock.value, [...pendingIds].map(id => tasks.get(id)).filter((t): t is ComfyTask => !!t))
  }
  watch(lock, persist)

  // ── actions ─────────────────────────────────────────────────────────────────────────────────────────────────
  function waitUntilReady(): Promise<void> {
    if (ready.value)
      return Promise.resolve()
    return new Promise((resolve) => {
      const stop = watch(ready, (value) => {
        if (value) {
          stop()
          resolve()
        }
      })
    })
  }

  function waitForSocket(timeout: number): Promise<void> {
    if (socket.state.value.status === 'OPEN' || timeout === 0)
      return Promise.resolve()
    return new Promise((resolve) => {
      const cancel = timers.after(timeout, () => done())
      const stop = watch(() => socket.state.value.status, status => status === 'OPEN' && done())
      function done(): void {
        cancel()
        stop()
        resolve()
      }
    })
  }

  /**
   * Submits a workflow: locks a server (or uses the locked one), uploads `images` there, queues the workflow there
   * under a prompt id minted here, and follows it to the end. Invalid input is rejected before anything is sent.
   */
  async function submit(workflow: ComfyWorkflow, submitOptions: SubmitOptions = {}): Promise<ComfyTaskHandle> {
    assertWorkflow(workflow)
    const images = submitOptions.images ?? {}
    if (typeof images !== 'object' || images === null)
      throw new InvalidArgumentError('INVALID_IMAGE', '`images` must be an object keyed by LoadImage node id, e.g. { images: { 1: file } }.')
    for (const [nodeId, file] of Object.entries(images)) assertImage(nodeId, file, workflow)
    await waitUntilReady()
    const server = await ensureLock()
    const promptId = mintUuid()
    setTask(createTask({ promptId, server, clientId: clientId.value, now: Date.now() }))
    const result = new Promise<ComfyTaskResult>((resolve, reject) => settlers.set(promptId, { resolve, reject }))
    result.catch(() => {}) // the app may never await it; the task's state carries the error either way
    const handle: ComfyTaskHandle = { promptId, task: computed(() => tasks.get(renamed.get(promptId) ?? promptId)), result }
    void runTask(promptId, server, structuredClone(workflow), images, submitOptions.extraData)
    return handle
  }

  async function runTask(promptId: string, server: string, prompt: ComfyWorkflow, images: Record<string, Blob>, extraData: Record<string, unknown> | undefined): Promise<void> {
    const fail = (error: ComfyTetherError): void => {
      const task = tasks.get(promptId)
      if (task)
        setTask(endTask(task, 'failed', error, Date.now()))
    }
    try {
      await waitForSocket(options.socketOpenTimeout)
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
      if (before.cancelRequested) {
        setTask(endTask(before, 'cancelled', new TaskCancelledError(server, promptId), Date.now()))
        return
      }
      let accepted
      try {
        accepted = await api.queuePrompt({ server, promptId, clientId: clientId.value, prompt, extraData })
      }
      catch (error) {
        if (isComfyTetherError(error, 'SERVER_UNREACHABLE')) {
          // The answer was lost, not necessarily the prompt: let reconcile ask the server instead of sending it twice.
          const task = tasks.get(promptId)
          if (task && !isTerminal(task.state))
            setTask({ ...task, state: 'queued', unconfirmed: true, queuedAt: Date.now() })
          record('reconcile', `POST /prompt of ${promptId} got no answer from ${server}; asking the server instead of resending`, { server, promptId })
          schedulePoll(0)
          return
        }
        throw error
      }
      let id = promptId
      if (accepted.prompt_id !== promptId) {
        id = rekey(promptId, accepted.prompt_id)
      }
      const task = tasks.get(id)
      if (task && !isTerminal(task.state))
        setTask({ ...task, state: task.state === 'preparing' ? 'queued' : task.state, number: accepted.number, queuedAt: task.queuedAt ?? Date.now() })
      if (id !== promptId)
        void reconcile('server assigned its own prompt id')
      schedulePoll()
    }
    catch (error) {
      fail(isComfyTetherError(error) ? error : new BaseError('REQUEST_FAILED', `Task ${promptId} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }))
    }
  }

  /** Servers older than ComfyUI 0.3.45 ignore the client's prompt id and answer with their own: follow theirs. */
  function rekey(from: string, to: string): string {
    const task = tasks.get(from)
    if (!task)
      return to
    tasks.delete(from)
    pendingIds.delete(from)
    renamed.set(from, to)
    const settle = settlers.get(from)
    settlers.delete(from)
    if (settle)
      settlers.set(to, settle)
    setTask({ ...task, promptId: to })
    record('acquire', `${task.server} ignored the client prompt id ${from} and queued it as ${to} (ComfyUI older than 0.3.45)`, { server: task.server, promptId: to })
    return to
  }

  /**
   * Cancels a task on its own server: a queued task is deleted from the queue, a running one is interrupted.
   * Resolves when the request was sent; the task's state becomes `cancelled` when the server confirms.
   */
  async function cancel(promptId: string): Promise<void> {
    const id = renamed.get(promptId) ?? promptId
    const task = tasks.get(id)
    if (!task)
      throw new TaskNotFoundError(promptId)
    if (isTerminal(task.state))
      return
    setTask({ ...task, cancelRequested: true })
    if (task.state === 'preparing')
      return
    if (task.state === 'running') {
      await api.interrupt(task.server, id)
      schedulePoll()
      return
    }
    await api.deleteQueued(task.server, [id])
    const queue = await api.queue(task.server, id)
    const current = tasks.get(id)
    if (!current || isTerminal(current.state))
      return
    if (queue.running.includes(id)) {
      await api.interrupt(task.server, id)
      return
    }
    if (!queue.pending.includes(id)) {
      const history = await api.history(task.server, id)
      const latest = tasks.get(id)
      if (!latest || isTerminal(latest.state))
        return
      if (history) {
        const next = reconcileTask(latest, { history, queue: undefined }, Date.now(), options.reconcile.lostGrace)
        if (next !== 'lost')
          setTask(next)
        return
      }
      setTask(endTask(latest, 'cancelled', new TaskCancelledError(task.server, id), Date.now()))
    }
  }

  /** Uploads an image to the locked server (or the one a new task would use). */
  async function uploadImage(file: Blob, uploadOptions: { filename?: string, subfolder?: string, type?: 'input' | 'temp' | 'output', overwrite?: boolean } = {}): Promise<{ name: string, subfolder: string, type: string, server: string }> {
    assertImage('upload', file, { upload: { class_type: 'LoadImage', inputs: {} } })
    const server = await ensureLock()
    const filename = uploadOptions.filename ?? (file instanceof File && file.name ? file.name : `comfy-tether-${Date.now()}.png`)
    const result = await api.uploadImage({ server, file, filename, subfolder: uploadOptions.subfolder, type: uploadOptions.type, overwrite: uploadOptions.overwrite })
    ensureReleaseIfIdle()
    return { ...result, server }
  }

  /** The `/view` URL of an image on a task's server (or, without a task, on the locked server). */
  function viewUrl(image: ComfyImageRef, taskOrServer?: ComfyTask | string): string {
    const server = typeof taskOrServer === 'string' ? taskOrServer : taskOrServer?.server ?? getApiBaseUrl()
    if (!server)
      throw new BaseError('NO_SERVER_AVAILABLE', 'viewUrl() needs a server: pass the task the image belongs to.')
    return serverViewUrl(server, image)
  }

  /**
   * The server a call made now goes to: the locked server while tasks are pending or its socket is open; otherwise
   * the server a new task would most likely get (from the last health checks), or `undefined` when none is known.
   */
  function getApiBaseUrl(): string | undefined {
    const held = lockedServerFor({ lock: lock.value, pendingCount: pendingIds.size, socketOpen: socket.state.value.status === 'OPEN' })
    if (held)
      return held
    try {
      return chooseServer(servers.value.map(s => (s.health === 'unknown' ? { ...s, health: 'healthy' as const } : s)), options.strategy)
    }
    catch {
      return undefined
    }
  }

  /** Do the lock, the socket and the API base URL agree? */
  function validateServerConsistency(operation = 'check'): ServerConsistency {
    const ws = socket.ws.value
    const socketServer = ws && socket.state.value.status !== 'CLOSED' ? serverOfUrl(ws.url.replace(/^ws/, 'http'), serverUrls) : undefined
    return checkServerConsistency({ lock: lock.value, apiServer: getApiBaseUrl(), socketServer, pendingCount: pendingIds.size, operation })
  }

  /** May the lock be released now? */
  function checkUnlockCondition(): UnlockCondition {
    return unlockRule(lock.value, [...pendingIds])
  }

  /** A plain snapshot of the lock, socket and pending tasks, for the console. */
  function debugLock(): LockDebugInfo {
    return {
      lock: lock.value,
      clientId: clientId.value,
      socket: { ...socket.state.value, url: socketUrl.value ?? null },
      pending: [...pendingIds].map(id => ({ promptId: id, state: tasks.get(id)?.state ?? 'unknown', server: tasks.get(id)?.server ?? '' })),
      unreachableSince: unreachableSince.value,
      malformedFrames: malformedFrames.value,
    }
  }

  /** Releases the lock now. Refused with `LockBusyError` while tasks are pending. */
  function release(): void {
    if (!lock.value)
      return
    if (pendingIds.size > 0) {
      const error = new LockBusyError(lock.value.server, [...pendingIds])
      record('refuse', error.message, { server: lock.value.server, code: error.code })
      throw error
    }
    cancelRelease?.()
    const server = lock.value.server
    lock.value = null
    record('release', `released the lock on ${server} on request`, { server })
  }

  /** Asks the locked server about every pending task now. */
  function reconcileNow(): Promise<void> {
    return reconcile('requested')
  }

  onScopeDispose(() => {
    disposed = true
    timers.clearAll()
    guard.stop()
    comfyHttp.dispose()
    for (const url of previewUrls.values()) URL.revokeObjectURL(url)
    previewUrls.clear()
  })

  return {
    // state
    clientId,
    lock,
    servers,
    tasks,
    log,
    malformedFrames,
    unreachableSince,
    previewUrls,
    ready,
    // getters
    pendingCount,
    taskList,
    socket: computed(() => socket.state.value),
    // actions
    submit,
    cancel,
    uploadImage,
    viewUrl,
    getApiBaseUrl,
    validateServerConsistency,
    checkUnlockCondition,
    debugLock,
    release,
    refreshServers,
    reconcileNow,
    /** @internal the axios instance, for `useComfyHttp()`. */
    _httpInstance: () => http,
  }
})

/** The store's type. */
export type ComfyStore = ReturnType<typeof useComfyStore>
