import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ServerLock } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { ResolvedComfyOptions } from './options'
import type { ServerTether, SocketUnavailable } from './server-tether'
import type { TaskCache } from './task-cache'
import type { ComfyClientStateChange, ComfySocketState } from './types'
import { appendBounded } from '../core/lock-log'
import { loadedBackground } from './load-background'
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

/** Creates the state of a client with `clientId` (a restored one, or a new one). */
export function createClientState(options: ResolvedComfyOptions, cache: TaskCache, clientId: string, ready: boolean, emit: (change: ComfyClientStateChange) => void, now: () => number): ClientState {
  const sessionMode = options.affinity === 'session'
  /** The fields whose every change is news (each reported under its own name). */
  const fields = { clientId, ready, malformedFrames: 0, servers: options.servers.map((s): ServerStatus => ({ url: s.url, label: s.label ?? s.url, health: 'unknown', queueRemaining: null, checkedAt: null, error: null, unreachableSince: null })) }
  const log: LockEvent[] = []
  const tethers = new NotifyingMap<string, ServerTether>(() => emit('locks'))

  const sessionTether = (): ServerTether | undefined => (sessionMode ? tethers.values().next().value : undefined)

  const state: ClientState = {
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
    // Only the background chunk's parts report server statuses (health checks, status frames, a tether's outage clock).
    updateServer: (url, patch) => loadedBackground()?.updateServerStatus(state, now(), url, patch),
    emit,
  } as Omit<ClientState, keyof typeof fields> as ClientState
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
    Object.defineProperty(state, key, {
      get: () => fields[key],
      set(next: never) {
        fields[key] = next
        emit(key)
      },
      enumerable: true,
    })
  }
  return state
}
