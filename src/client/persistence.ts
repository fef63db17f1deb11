import type { Timers } from '../core/timers'
import type { ServerLock } from '../core/server-lock'
import type { ComfyTask, TaskState } from '../core/task-state'
import type { ComfyStorage } from './options'
import { loadBackground } from './load-background'

/** What survives a reload: the clientId, the lock, and the pending tasks' ids. */
export interface PersistedSnapshot {
  v: 2
  clientId: string
  locks: ServerLock[]
  tasks: { promptId: string, server: string, state: TaskState, createdAt: number, number: number | null, cancelRequested: boolean, unconfirmed: boolean }[]
}

/**
 * Reads a snapshot, or `undefined` when there is none or it is unreadable (then it is ignored, not thrown). A storage
 * whose `getItem` returns a promise gives a promise (that never rejects); a synchronous one gives the snapshot at once.
 */
export function loadSnapshot(storage: ComfyStorage, key: string): PersistedSnapshot | undefined | Promise<PersistedSnapshot | undefined> {
  let raw: string | null | Promise<string | null>
  try {
    raw = storage.getItem(key)
  }
  catch {
    return undefined
  }
  if (isPromiseLike(raw))
    return Promise.resolve(raw).then(parseSnapshot, () => undefined)
  return parseSnapshot(raw)
}

/** Whether a storage answered with a promise (an asynchronous storage) rather than a value. */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

function parseSnapshot(raw: unknown): PersistedSnapshot | undefined {
  if (!raw || typeof raw !== 'string')
    return undefined
  try {
    const value = JSON.parse(raw) as Partial<PersistedSnapshot>
    if (value.v !== 2 || typeof value.clientId !== 'string' || !/^[\w-]{8,64}$/.test(value.clientId) || !Array.isArray(value.tasks) || !Array.isArray(value.locks))
      return undefined
    const locks = value.locks.filter(l => typeof l?.server === 'string' && typeof l.since === 'number')
    const servers = new Set(locks.map(l => l.server))
    const tasks = value.tasks.filter(t => typeof t?.promptId === 'string' && typeof t.server === 'string' && servers.has(t.server))
    return { v: 2, clientId: value.clientId, locks, tasks }
  }
  catch {
    return undefined
  }
}

/**
 * The most pending tasks a reload restores. A snapshot with more (a runaway batch) keeps the newest ones; the others
 * are no longer followed and the log says how many.
 */
export const MAX_RESTORED_TASKS = 500

/** The newest `limit` of `tasks` (in their saved order), and how many were left out. */
export function capRestoredTasks<T extends { createdAt: number }>(tasks: readonly T[], limit = MAX_RESTORED_TASKS): { kept: T[], dropped: T[] } {
  if (tasks.length <= limit)
    return { kept: [...tasks], dropped: [] }
  const newest = new Set([...tasks].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit))
  return { kept: tasks.filter(t => newest.has(t)), dropped: tasks.filter(t => !newest.has(t)) }
}

/** The snapshot of the pending tasks, as the text a storage keeps. */
export function snapshotText(clientId: string, locks: ServerLock[], pending: Iterable<ComfyTask>): string {
  const snapshot: PersistedSnapshot = {
    v: 2,
    clientId,
    locks,
    tasks: Array.from(pending, t => ({ promptId: t.promptId, server: t.server, state: t.state, createdAt: t.createdAt, number: t.number, cancelRequested: t.cancelRequested, unconfirmed: t.unconfirmed })),
  }
  return JSON.stringify(snapshot)
}

/**
 * Writes snapshots to a storage one at a time. A synchronous `setItem` writes at once; while an asynchronous one is in
 * flight, only the newest snapshot waits for it (older ones are skipped: the last state wins, and writes never race
 * out of order). Errors are swallowed (persistence is best effort; `failed` hears of asynchronous ones). `close()`
 * (at dispose) refuses new snapshots, but lets the write in flight settle and writes the one waiting.
 */
export function createSnapshotWriter(storage: ComfyStorage, key: string, failed: () => void): { save: (text: string) => void, close: () => void } {
  let writing = false
  let waiting: string | undefined
  let closed = false
  function write(text: string): void {
    let done: void | Promise<void>
    try {
      done = storage.setItem(key, text)
    }
    catch {
      return // a full quota: the next change tries again
    }
    if (!isPromiseLike(done))
      return
    writing = true
    Promise.resolve(done).catch(failed).finally(() => {
      writing = false
      const next = waiting
      waiting = undefined
      if (next !== undefined)
        write(next)
    })
  }
  return {
    save(text) {
      if (closed)
        return
      if (writing)
        waiting = text
      else
        write(text)
    },
    close() {
      closed = true
    },
  }
}

/** The duplicate-tab guard: see client-id-guard.ts. */
export interface ClientIdGuard {
  /** Does a live tab own `clientId`? Asked on a BroadcastChannel, answered within `waitMs` or taken as no. */
  isTaken: (clientId: string, waitMs: number) => Promise<boolean>
  stop: () => void
}

/**
 * The duplicate-tab guard of a client, its code (a BroadcastChannel that asks and answers who owns a clientId) loaded
 * in the background from now on: a question waits for the load; once loaded, the guard answers other tabs' questions
 * about this tab's clientId. A failed load leaves the guard answering "not taken", as a platform without
 * BroadcastChannel does.
 */
export function createClientIdGuard(channelName: string, currentClientId: () => string, timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>): ClientIdGuard {
  let stopped = false
  const guard = loadBackground().then(
    chunk => (stopped ? undefined : chunk.startClientIdGuard(channelName, currentClientId, timers)),
    () => undefined,
  )
  return {
    isTaken: (clientId, waitMs) => guard.then(g => (g && !stopped ? g.isTaken(clientId, waitMs) : false)),
    stop() {
      stopped = true
      void guard.then(g => g?.stop())
    },
  }
}
