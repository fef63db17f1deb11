import type { LockEvent } from '../core/lock-log'
import type { ServerStatus } from '../core/server-pool'
import type { ServerLock } from '../core/server-lock'
import type { ComfyTask } from '../core/task-state'
import { isTerminal } from '../core/task-state'
import type { ComfySocketState } from './use-comfy-socket'

/** A tag on an inspector node (colours as 0xRRGGBB). */
export interface DevtoolsNodeTag {
  label: string
  textColor: number
  backgroundColor: number
  tooltip?: string
}

/** One node of the custom inspector's tree. */
export interface DevtoolsInspectorNode {
  id: string
  label: string
  tags?: DevtoolsNodeTag[]
}

/** One field of the inspector's state pane. */
export interface DevtoolsStateField {
  key: string
  value: unknown
  editable?: boolean
}

/** The inspector's state pane: sections of fields. */
export type DevtoolsInspectorState = Record<string, DevtoolsStateField[]>

/** One event on the devtools timeline. */
export interface DevtoolsTimelineEvent {
  time: number
  title?: string
  subtitle?: string
  data: Record<string, unknown>
  logType?: 'default' | 'warning' | 'error'
  groupId?: string
}

/** What the devtools views are made of: the store's public state, read from outside. */
export interface LockSnapshot {
  servers: readonly ServerStatus[]
  locks: readonly ServerLock[]
  sockets: Readonly<Record<string, ComfySocketState>>
  tasks: ReadonlyMap<string, ComfyTask>
}

const WHITE = 0xFFFFFF
const LOCK_PURPLE = 0x6B3FB8
const OK_GREEN = 0x1E7A46
const WARN_AMBER = 0x8A5A00
const BAD_RED = 0xB3261E
const GREY = 0x5D6677

// Not store-types' CLOSED_SOCKET: importing it would split a one-constant chunk off the main bundle for this lazy one.
const NO_SOCKET: ComfySocketState = { status: 'CLOSED', attempts: 0, lastMessageAt: null, openedAt: null, lastCloseCode: null }

const SOCKET_COLOURS: Record<ComfySocketState['status'], number> = { OPEN: OK_GREEN, CONNECTING: WARN_AMBER, CLOSED: GREY }

function pendingOn(tasks: ReadonlyMap<string, ComfyTask>, server: string): ComfyTask[] {
  return [...tasks.values()].filter(t => t.server === server && !isTerminal(t.state)).sort((a, b) => a.createdAt - b.createdAt)
}

/** One node per configured server, tagged with its lock, socket and pending count; `filter` matches label or URL. */
export function inspectorTree(snapshot: LockSnapshot, filter: string): DevtoolsInspectorNode[] {
  const needle = filter.trim().toLowerCase()
  return snapshot.servers
    .filter(s => !needle || s.label.toLowerCase().includes(needle) || s.url.toLowerCase().includes(needle))
    .map((server) => {
      const locked = snapshot.locks.some(l => l.server === server.url)
      const socket = snapshot.sockets[server.url] ?? NO_SOCKET
      const pending = pendingOn(snapshot.tasks, server.url).length
      const tags: DevtoolsNodeTag[] = [
        locked
          ? { label: 'locked', textColor: WHITE, backgroundColor: LOCK_PURPLE, tooltip: 'every request and the socket of its tasks go here' }
          : { label: 'free', textColor: WHITE, backgroundColor: GREY },
        { label: `socket ${socket.status}`, textColor: WHITE, backgroundColor: SOCKET_COLOURS[socket.status] },
      ]
      if (pending > 0)
        tags.push({ label: `${pending} pending`, textColor: WHITE, backgroundColor: WARN_AMBER })
      if (server.health === 'unreachable')
        tags.push({ label: 'unreachable', textColor: WHITE, backgroundColor: BAD_RED })
      return { id: server.url, label: server.label, tags }
    })
}

function progressText(task: ComfyTask): string {
  return task.progress ? `${task.progress.value}/${task.progress.max}${task.progress.node ? ` (node ${task.progress.node})` : ''}` : '–'
}

/** The state pane of one server's node: its lock, socket, health and pending tasks; `null` for an unknown node. */
export function inspectorState(snapshot: LockSnapshot, server: string): DevtoolsInspectorState | null {
  const status = snapshot.servers.find(s => s.url === server)
  if (!status)
    return null
  const lock = snapshot.locks.find(l => l.server === server)
  const socket = snapshot.sockets[server] ?? NO_SOCKET
  const field = (key: string, value: unknown): DevtoolsStateField => ({ key, value, editable: false })
  return {
    'lock': lock
      ? [field('server', lock.server), field('clientId', lock.clientId), field('since', new Date(lock.since).toISOString()), field('reason', lock.reason)]
      : [field('server', 'free: the next task chooses a server')],
    'socket': [
      field('status', socket.status),
      field('reconnect attempts', socket.attempts),
      field('opened at', socket.openedAt === null ? null : new Date(socket.openedAt).toISOString()),
      field('last frame at', socket.lastMessageAt === null ? null : new Date(socket.lastMessageAt).toISOString()),
      field('last close code', socket.lastCloseCode),
    ],
    'health': [field('health', status.health), field('queue remaining', status.queueRemaining), field('error', status.error)],
    'pending tasks': pendingOn(snapshot.tasks, server).map(task => field(task.promptId, {
      state: task.state,
      progress: progressText(task),
      node: task.node,
      unconfirmed: task.unconfirmed,
    })),
  }
}

const ERROR_KINDS = new Set<LockEvent['kind']>(['refuse', 'malformed'])
const WARNING_KINDS = new Set<LockEvent['kind']>(['hold', 'socket-closed', 'outage', 'duplicate-tab'])

/**
 * A lock log entry as a timeline event. The task ids are the entry's own prompt id, else the tasks pending on its
 * server when it happened (what the lock was holding for).
 */
export function timelineEvent(entry: LockEvent, snapshot: LockSnapshot): DevtoolsTimelineEvent {
  const ended = entry.kind === 'task-end' && entry.promptId !== undefined ? snapshot.tasks.get(entry.promptId)?.state : undefined
  const taskIds = entry.promptId !== undefined
    ? [entry.promptId]
    : entry.server !== undefined ? pendingOn(snapshot.tasks, entry.server).map(t => t.promptId) : []
  const label = entry.server === undefined ? undefined : snapshot.servers.find(s => s.url === entry.server)?.label ?? entry.server
  const lost = ended === 'lost' || entry.code === 'TASK_LOST'
  const failed = ended === 'failed' || lost
  return {
    time: entry.at,
    title: ended ? `${entry.kind}: ${ended}` : entry.kind,
    subtitle: label,
    groupId: entry.server,
    logType: ERROR_KINDS.has(entry.kind) || failed ? 'error' : WARNING_KINDS.has(entry.kind) ? 'warning' : 'default',
    data: {
      kind: entry.kind,
      reason: entry.message,
      server: entry.server ?? null,
      taskIds,
      ...(entry.code !== undefined && { code: entry.code }),
    },
  }
}
