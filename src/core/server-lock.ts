import { LockBusyError, ServerMismatchError } from './errors'

/** Why the client is locked to its server. */
export type LockReason = 'task-submitted' | 'restored-after-reload' | 'resumed'

/** The server every request and the socket of the pending tasks go to, or `null` when free. */
export interface ServerLock {
  /** Normalized base URL of the locked server. */
  server: string
  /** The `clientId` the socket uses on that server. */
  clientId: string
  /** Epoch ms when the lock was taken. */
  since: number
  reason: LockReason
}

/** Input to the "which server for this call" rule. */
export interface LockView {
  lock: ServerLock | null
  pendingCount: number
  socketOpen: boolean
}

/**
 * Which server a call goes to: the locked one while tasks are pending (whatever the socket does) or while its socket
 * is open; otherwise `undefined`, meaning "choose afresh".
 */
export function lockedServerFor(view: LockView): string | undefined {
  if (view.lock && (view.pendingCount > 0 || view.socketOpen))
    return view.lock.server
  return undefined
}

/**
 * Takes the lock for `server`. Re-acquiring the held server is a no-op; switching servers while tasks are pending is
 * refused with {@link LockBusyError}.
 */
export function acquireLock(
  current: ServerLock | null,
  request: { server: string, clientId: string, reason: LockReason, now: number, pending: readonly string[] },
): ServerLock {
  if (current && current.server === request.server)
    return current
  if (current && request.pending.length > 0)
    throw new LockBusyError(current.server, request.pending)
  return { server: request.server, clientId: request.clientId, since: request.now, reason: request.reason }
}

/** The answer of `checkUnlockCondition` (lock-checks.ts). */
export interface UnlockCondition {
  canUnlock: boolean
  reason: string
  pending: string[]
}

/**
 * The request-target rule: a call of a task must go to that task's server, and any call made while locked must go
 * to the locked server. Returns the error to reject with, or `undefined` when the target is allowed.
 */
export function checkRequestTarget(input: {
  lockedServer: string | undefined
  taskServer: string | undefined
  requestedServer: string
  operation: string
  promptId?: string
}): ServerMismatchError | undefined {
  const owner = input.taskServer ?? input.lockedServer
  if (owner !== undefined && owner !== input.requestedServer)
    return new ServerMismatchError(owner, input.requestedServer, input.operation, input.promptId)
  return undefined
}

/** The answer of `validateServerConsistency`. */
export type ServerConsistency =
  | { consistent: true, server: string | null, operation: string }
  | { consistent: false, reason: string, lockedServer: string, apiServer: string, operation: string }
