import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ServerLock } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { ResolvedComfyOptions } from './options'
import type { ServerTether, SocketUnavailable } from './server-tether'
import type { TaskCache } from './task-cache'
import type { ComfyClientStateChange, ComfySocketState } from './types'
import { appendBounded } from '../core/lock-log'
import { NotifyingMap } from './state-map'
import { CLOSED_SOCKET } from './types'

/** The client's state: plain data, each change reported through `emit`. */
export interface ClientState {
  clientId: string
  ready: boolean
  malformedFrames: number
  servers: ServerStatus[]
  readonly log: LockEvent[]
  /** One tether per locked server. */
  readonly tethers: Map<string, ServerTether>
  readonly locks: ServerLock[]
  readonly lock: ServerLock | null
  readonly sockets: Record<string, ComfySocketState>
  readonly socket: ComfySocketState
  readonly unreachableSince: number | null
  readonly socketUnavailable: Record<string, SocketUnavailable>
  readonly taskList: ComfyTask[]
  /** The pending tasks tethered to `server`. */
  pendingOn: (server: string) => ComfyTask[]
  /** The session lock's tether (`affinity: 'session'`). */
  sessionTether: () => ServerTether | undefined
  /** The server every call goes to while the session lock holds (tasks pending or its socket open). */
  heldSessionServer: () => string | undefined
  record: (kind: LockEventKind, message: string, extra?: Partial<LockEvent>) => void
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  emit: (change: ComfyClientStateChange) => void
}

/** Does `current` already have every value of `patch`? */
function samePatch(current: ServerStatus, patch: Partial<ServerStatus>): boolean {
  for (const key in patch) {
    if (!Object.is(current[key as keyof ServerStatus], patch[key as keyof ServerStatus]))
      return false
  }
  return true
}

/**
 * `current` with the values of `patch`, checked at `at`: a copy, then the changes. `{ ...current, ...patch, checkedAt }`
 * (two spreads and a field in one literal) takes V8's slow path: a few hundred ns on each status frame that changes the
 * queue length, where the copy and assign take about a hundred.
 */
function withPatch(current: ServerStatus, patch: Partial<ServerStatus>, at: number): ServerStatus {
  const next = { ...current }
  Object.assign(next, patch)
  next.checkedAt = at
  return next
}

/** How old `checkedAt` may get while a server keeps reporting the same status. */
const UNCHANGED_STATUS_REFRESH_MS = 1000

/** Creates the state of a client with `clientId` (a restored one, or a new one). */
export function createClientState(options: ResolvedComfyOptions, cache: TaskCache, clientId: string, ready: boolean, emit: (change: ComfyClientStateChange) => void, now: () => number): ClientState {
  const sessionMode = options.affinity === 'session'
  let id = clientId
  let isReady = ready
  let malformed = 0
  let servers: ServerStatus[] = options.servers.map(s => ({ url: s.url, label: s.label ?? s.url, health: 'unknown', queueRemaining: null, checkedAt: null, error: null, unreachableSince: null }))
  const log: LockEvent[] = []
  const tethers = new NotifyingMap<string, ServerTether>(() => emit('locks'))

  const sessionTether = (): ServerTether | undefined => (sessionMode ? tethers.values().next().value : undefined)

  const state: ClientState = {
    get clientId() {
      return id
    },
    set clientId(next) {
      id = next
      emit('clientId')
    },
    get ready() {
      return isReady
    },
    set ready(next) {
      isReady = next
      emit('ready')
    },
    get malformedFrames() {
      return malformed
    },
    set malformedFrames(next) {
      malformed = next
      emit('malformedFrames')
    },
    get servers() {
      return servers
    },
    set servers(next) {
      servers = next
      emit('servers')
    },
    log,
    tethers,
    get locks() {
      return Array.from(tethers.values(), t => t.lock)
    },
    get lock() {
      return sessionMode ? tethers.values().next().value?.lock ?? null : null
    },
    get sockets() {
      return Object.fromEntries(Array.from(tethers.values(), t => [t.server, t.socket]))
    },
    get socket() {
      return sessionTether()?.socket ?? CLOSED_SOCKET
    },
    get unreachableSince() {
      let min: number | null = null
      for (const t of tethers.values()) {
        if (t.unreachableSince !== null && (min === null || t.unreachableSince < min))
          min = t.unreachableSince
      }
      return min
    },
    get socketUnavailable() {
      return Object.fromEntries([...tethers.values()].flatMap(t => (t.socketUnavailable ? [[t.server, t.socketUnavailable]] : [])))
    },
    get taskList() {
      return [...cache.snapshots.values()].sort((a, b) => b.createdAt - a.createdAt)
    },
    pendingOn: server => cache.pendingOn(server),
    sessionTether,
    heldSessionServer() {
      const tether = sessionTether()
      return tether?.holds() ? tether.server : undefined
    },
    record(kind, message, extra = {}) {
      appendBounded(log, { at: now(), kind, message, ...extra }, options.logLimit)
      emit('log')
      options.logger.debug(message, extra)
    },
    updateServer(url, patch) {
      const at = now()
      let current: ServerStatus | undefined
      for (const s of servers) {
        if (s.url === url) {
          current = s
          break
        }
      }
      // Status frames repeat the same queue length many times a second: no news, unless `checkedAt` gets old. (A loop,
      // no closures: this runs on every status frame.)
      if (current && current.checkedAt !== null && at - current.checkedAt < UNCHANGED_STATUS_REFRESH_MS && samePatch(current, patch))
        return
      // An outage keeps the time it started: a later failed request (or the tether's clock) does not move it.
      if (current && current.unreachableSince !== null && typeof patch.unreachableSince === 'number')
        patch = { ...patch, unreachableSince: current.unreachableSince }
      state.servers = servers.map(s => (s.url === url ? withPatch(s, patch, at) : s))
    },
    emit,
  }
  return state
}
