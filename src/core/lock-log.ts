/** The kinds of entries in the lock event log. */
export type LockEventKind =
  | 'acquire' | 'hold' | 'release' | 'refuse' | 'restore' | 'duplicate-tab'
  | 'socket-open' | 'socket-closed' | 'reconcile' | 'outage' | 'task-end' | 'malformed'

/** One entry of the lock event log. */
export interface LockEvent {
  /** Epoch ms. */
  at: number
  kind: LockEventKind
  /** What happened and why, for people. */
  message: string
  server?: string
  promptId?: string
  /** The error code, for refusals and failures. */
  code?: string
}

/** Appends to a bounded log in place, dropping the oldest entries beyond `limit`. */
export function appendBounded<T>(log: T[], entry: T, limit: number): void {
  log.push(entry)
  if (log.length > limit)
    log.splice(0, log.length - limit)
}
