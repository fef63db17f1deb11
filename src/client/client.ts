import type { Timers } from '../core/timers'
import type { ClientState } from './client-state'
import type { Engine } from './engine'
import type { BackgroundParts } from './load-background'
import type { ComfyClient } from './client-types'
import type { ComfyPluginOptions, ResolvedComfyOptions } from './options'
import type { PersistedSnapshot } from './persistence'
import type { ComfySocketFactory, ComfyWebSocketConstructor } from './socket'
import type { ComfySubmit } from './task-runner'
import type { ComfyClientEvent, ComfyClientStateChange } from './types'
import { ClientDisposedError, InvalidArgumentError } from '../core/errors'
import { mintClientId } from '../core/ids'
import { registerSecrets } from '../core/safe-error'
import { configuredServer } from '../core/server-identity'
import { createTimerGroup, defaultTimers } from '../core/timers'
import { createComfyApi } from '../http/comfy-api'
import { createComfyServerApi } from '../http/comfy-server-api'
import { createComfyHttp } from '../http/create-comfy-http'
import { createImageLoader } from '../http/load-image'
import { createClientState } from './client-state'
import { createDisposal } from './disposal'
import { createFrameRouter } from './load-frame-router'
import { createInspection } from './inspect'
import { loadedBackground } from './load-background'
import { createLazyNodeInfoCache, createLazyServerQueue } from './load-engine-parts'
import { observeTask } from './observe'
import { createClientIdGuard, createSnapshotWriter, isPromiseLike, loadSnapshot, snapshotText } from './persistence'
import { createPlacement } from './placement'
import { CLIENT_ONLY_KEYS, checkSocketOptions } from './option-checks'
import { installRequestWatchdog } from './request-watchdog'
import { queryCredentialOf, resolveComfyOptions } from './resolve-options'
import { startRestore } from './restore'
import { lazyResume } from './load-resume'
import { NO_WEBSOCKET, webSocketFactory } from './socket'
import { TaskCache } from './task-cache'
import { createTaskEnds } from './task-ends'
import { wasSent } from './engine'
import { createTethers } from './tethers'
import { createLazyTaskRunner } from './load-task-runner'
import { lazyWorkflowInsight } from './load-workflow-insight'

/** Options of {@link createComfyClient}: the plugin's options, plus where sockets and timers come from. */
export interface ComfyClientOptions extends ComfyPluginOptions {
  /**
   * The WebSocket class sockets are opened with: the browser's interface (`new WebSocket(url)`). In Node 20 pass the
   * `ws` package's (`import WebSocket from 'ws'`). Ignored when `socket` is given.
   * @default globalThis.WebSocket
   */
  WebSocket?: ComfyWebSocketConstructor
  /** Creates each server's socket instead (the Vue layer passes one built on vueuse's `useWebSocket`). */
  socket?: ComfySocketFactory
  /** The timers of the client's own sockets. @default the platform's */
  timers?: Timers
}

/** What the engine is built with besides its options. Internal to comfy-tether's layers. */
export interface EngineDeps {
  socket: ComfySocketFactory
  timers?: Timers
}

/**
 * Creates a comfy-tether client without any framework: the locks, sockets, reconcile, placement and persistence of
 * one app (a page, or a backend worker). Its state is plain data; `subscribe()` tells when it changes. `dispose()`
 * closes its sockets, stops its timers and removes its interceptors.
 *
 * @example
 * import WebSocket from 'ws'
 * const client = createComfyClient({ servers: ['http://127.0.0.1:8188'], WebSocket })
 * const { result } = await client.submit(workflow)
 * console.log((await result).imageUrls)
 * client.dispose()
 */
export function createComfyClient(options: ComfyClientOptions): ComfyClient {
  checkSocketOptions(options)
  const resolved = resolveComfyOptions(options, CLIENT_ONLY_KEYS)
  if (!options.socket && !options.WebSocket && typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function')
    throw new InvalidArgumentError('INVALID_OPTIONS', NO_WEBSOCKET)
  const unregister = registerSecrets(resolved.servers.flatMap(s => [...Object.values(s.headers ?? {}), ...(s.token ? [s.token] : [])]))
  const client = createEngine(resolved, { socket: options.socket ?? webSocketFactory(options.WebSocket, options.timers), timers: options.timers })
  const dispose = client.dispose
  client.dispose = () => {
    dispose()
    unregister()
  }
  return client
}

/** Builds the engine from resolved options. Internal: the Vue plugin uses it with its own socket factory. */
export function createEngine(options: ResolvedComfyOptions, deps: EngineDeps): ComfyClient {
  const clock = deps.timers ?? defaultTimers
  const now = (): number => clock.now()
  const timers = createTimerGroup(clock)
  const serverUrls = options.servers.map(s => s.url)
  const headersByServer = new Map(options.servers.map(s => [s.url, s.headers ?? {}]))
  const credentials = new Map(options.servers.map(s => [s.url, queryCredentialOf(s)]))
  // An asynchronous storage answers later: the client is not ready (submits wait) until its snapshot is restored.
  const loaded = options.persist ? loadSnapshot(options.persist.storage, options.persist.key) : undefined
  const loading = isPromiseLike<PersistedSnapshot | undefined>(loaded) ? loaded : undefined
  const restored = loading ? undefined : loaded as PersistedSnapshot | undefined
  const listeners = new Set<(event: ComfyClientEvent) => void>()
  const internalListeners = new Set<() => void>()
  const disposal = createDisposal()

  // A Set visits what is added during the loop and skips what is deleted, so no copy per change (one per frame).
  function tell(event: ComfyClientEvent): void {
    for (const listener of internalListeners) listener()
    for (const listener of listeners) {
      try {
        listener(event)
      }
      catch (error) {
        options.logger.error('a subscribe() listener threw', error)
      }
    }
  }
  const emit = (change: ComfyClientStateChange): void => tell({ type: change })

  const cache: TaskCache = new TaskCache({
    retention: options.taskRetention,
    // A task succeeds only through the background chunk's parts (frames, reconcile, cancel's last look), so that chunk
    // is there and makes its result.
    resultOf: task => (loadedBackground() as BackgroundParts).taskResult(engine, task),
    wasSent: task => wasSent(engine, task.snapshot),
    onChange: (task, previous, ended) => ends.onChange(task, previous, ended),
    onListenerError: error => options.logger.error('a subscribe() or observe() listener threw', error),
  })
  cache.subscribe(tell)
  const state: ClientState = createClientState(options, cache, restored?.clientId ?? mintClientId(), !restored && !loading, emit, now)

  const comfyHttp = createComfyHttp({
    http: options.http,
    // axios reads 0 as "no timeout"; Infinity would fire at once in the fetch adapter and be refused by Node's.
    config: { timeout: options.requestTimeout === Number.POSITIVE_INFINITY ? 0 : options.requestTimeout, ...options.httpConfig },
    lockedServer: state.heldSessionServer,
    taskServer: promptId => cache.get(promptId)?.server,
    servers: () => serverUrls,
    fallbackServer: () => inspection.getApiBaseUrl(),
    headersFor: server => headersByServer.get(server),
    onAnswer: server => state.tethers.get(server)?.answered(),
    onRefused: (error) => {
      state.record('refuse', error.message, { code: error.code, server: (error as { lockedServer?: string }).lockedServer })
      options.logger.warn(error.message)
    },
  })
  const http = comfyHttp.http
  const removeWatchdog = installRequestWatchdog(http, timers.after, disposal.controllerOf)
  // The client's own requests: none is sent after dispose(), and those in flight then are aborted.
  const requester = disposal.requester(http)
  const api = createComfyApi(requester)
  const serverQueue = createLazyServerQueue(api)
  const images = createImageLoader(requester)
  const serverApi = createComfyServerApi(requester)
  const objectInfos = createLazyNodeInfoCache({
    one: (server, nodeClass) => serverApi.objectInfo(server, nodeClass),
    all: server => serverApi.objectInfo(server),
    watching: server => state.tethers.get(server)?.socket.status === 'OPEN',
  })
  const workflows = lazyWorkflowInsight({ cache, queue: server => serverQueue.waiting(server), credentialOf: server => credentials.get(server), now })

  const engine: Engine = {
    options,
    sessionMode: options.affinity === 'session',
    serverUrls,
    credentials,
    state,
    api,
    serverApi,
    serverQueue,
    objectInfos,
    cache,
    workflows,
    now,
    timers: clock,
    after: (ms, callback) => (disposal.disposed ? () => {} : timers.after(ms, callback)), // nothing starts after dispose()
    honoursIds: new Map(),
    isDisposed: () => disposal.disposed,
    untilDisposed: disposal.untilDisposed,
    setTask: task => void cache.put(task),
    openTether: (server, reason, since) => {
      disposal.assertLive(`locking ${server}`) // the last line of defence: no lock, no socket after dispose()
      return tethers.openTether(server, reason, since)
    },
    closeTether: (tether, why) => tethers.closeTether(tether, why),
    scheduleRelease: server => tethers.scheduleRelease(server),
    cancelRelease: server => tethers.cancelRelease(server),
    persist,
    followPrompt: (server, promptId, clientId) => resume.follow(server, promptId, clientId),
    onChange(listener) {
      internalListeners.add(listener)
      return () => void internalListeners.delete(listener)
    },
  }

  const handleFrame = createFrameRouter(engine, (server, reason) => {
    state.malformedFrames++
    state.record('malformed', `ignored a malformed frame from ${server}: ${reason}`, { server, code: 'PROTOCOL_ERROR' })
    options.logger.warn(`malformed frame ignored: ${reason}`)
  })

  // ── tethers (one per locked server) and the task ends ─────────────────────────────────────────────────────────
  const onFrame = (frameServer: string, data: unknown, at?: number): void => {
    objectInfos.noteFrame(frameServer, data)
    handleFrame(frameServer, data, at)
  }
  const tethers = createTethers(engine, { socket: deps.socket, resubmit: task => runner.resubmit(task), onFrame, changed: () => emit('locks') })
  const resume = lazyResume(engine, { socket: deps.socket, onFrame })
  const ends = createTaskEnds(engine)

  // ── persistence ─────────────────────────────────────────────────────────────────────────────────────────────
  const writer = options.persist
    ? createSnapshotWriter(options.persist.storage, options.persist.key, () => options.logger.warn('[comfy-tether] could not save the pending tasks: persist.storage.setItem rejected; the next change tries again.'))
    : undefined
  function persist(): void {
    if (!writer || !state.ready || disposal.disposed)
      return
    writer.save(snapshotText(state.clientId, state.locks, Array.from(cache.pending(), t => t.snapshot)))
  }

  const placement = createPlacement(engine)
  const runner = createLazyTaskRunner(engine, placement)
  const inspection = createInspection(engine, placement, images)

  const guard = createClientIdGuard(`comfy-tether:${options.persist ? options.persist.key : 'memory'}`, () => state.clientId, clock)
  startRestore(engine, loading ?? restored, guard)

  function dispose(): void {
    if (disposal.disposed)
      return
    disposal.dispose() // first: every await pending in the client rejects, every request in flight is aborted
    writer?.close() // the write in flight settles and the last state waiting is written; nothing after
    listeners.clear() // disposal's own clean-up is not news to anyone
    internalListeners.clear()
    workflows.dispose()
    cache.dispose(task => new ClientDisposedError('The task', task.promptId)) // ended tasks keep their outcome
    placement.dispose()
    timers.clearAll()
    guard.stop()
    removeWatchdog()
    comfyHttp.dispose()
    images.dispose()
    for (const tether of state.tethers.values()) tether.dispose()
    resume.dispose()
  }

  const { whileLive } = disposal
  return {
    get affinity() {
      return options.affinity
    },
    get clientId() {
      return state.clientId
    },
    get ready() {
      return state.ready
    },
    get servers() {
      return state.servers
    },
    get tasks() {
      return cache.snapshots
    },
    get taskList() {
      return state.taskList
    },
    get pendingCount() {
      return cache.pendingCount
    },
    get log() {
      return state.log
    },
    get malformedFrames() {
      return state.malformedFrames
    },
    get previewUrls() {
      return cache.previewUrls
    },
    get lock() {
      return state.lock
    },
    get locks() {
      return state.locks
    },
    get socket() {
      return state.socket
    },
    get sockets() {
      return state.sockets
    },
    get unreachableSince() {
      return state.unreachableSince
    },
    get socketUnavailable() {
      return state.socketUnavailable
    },
    get disposed() {
      return disposal.disposed
    },
    http,
    subscribe(listener) {
      if (disposal.disposed)
        return () => {}
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    observe: (promptId, listener) => (disposal.disposed ? () => {} : observeTask(cache, promptId, listener)),
    submit: whileLive('submit()', runner.submit) as ComfySubmit,
    cancel: whileLive('cancel()', runner.cancel),
    resume: whileLive('resume()', resume.resume),
    canRunOn: whileLive('canRunOn()', inspection.canRunOn),
    objectInfo: whileLive('objectInfo()', async (server: string) => objectInfos.all(configuredServer(server, serverUrls, 'objectInfo'))),
    refreshNodeInfo: whileLive('refreshNodeInfo()', inspection.refreshNodeInfo),
    taskWorkflow: promptId => workflows.view(promptId),
    uploadImage: whileLive('uploadImage()', inspection.uploadImage),
    viewUrl: inspection.viewUrl,
    loadImage: whileLive('loadImage()', inspection.loadImage),
    getApiBaseUrl: inspection.getApiBaseUrl,
    validateServerConsistency: inspection.validateServerConsistency,
    checkUnlockCondition: inspection.checkUnlockCondition,
    debugLock: inspection.debugLock,
    release: inspection.release,
    abandon: placement.abandon,
    refreshServers: whileLive('refreshServers()', placement.refreshServers),
    reconcileNow: whileLive('reconcileNow()', async () => {
      await Promise.all([...state.tethers.values()].map(t => t.reconcile('requested')))
    }),
    dispose,
  }
}
