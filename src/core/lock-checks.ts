// The answers of the debug helpers `checkUnlockCondition` and `validateServerConsistency`: pure rules on a lock, apart
// from server-lock.ts (which the startup code needs) because only those helpers use them, and they load in the
// background after the client is created (see inspect-reads.ts).
import type { ServerConsistency, ServerLock, UnlockCondition } from './server-lock'

/** May the lock be released now? Only when no task is pending. */
export function checkUnlockCondition(lock: ServerLock | null, pending: readonly string[]): UnlockCondition {
  if (!lock)
    return { canUnlock: false, reason: 'nothing is locked', pending: [] }
  if (pending.length > 0)
    return { canUnlock: false, reason: `${pending.length} task(s) pending on ${lock.server}`, pending: [...pending] }
  return { canUnlock: true, reason: `no task pending on ${lock.server}`, pending: [] }
}

/** Do the lock, the socket and the API base URL agree on one server? */
export function checkServerConsistency(input: {
  lock: ServerLock | null
  apiServer: string | undefined
  socketServer: string | undefined
  pendingCount: number
  operation: string
}): ServerConsistency {
  const { lock, apiServer, socketServer, operation } = input
  if (!lock)
    return { consistent: true, server: apiServer ?? null, operation }
  if (apiServer !== undefined && apiServer !== lock.server)
    return { consistent: false, reason: `API base URL differs from the locked server`, lockedServer: lock.server, apiServer, operation }
  if (socketServer !== undefined && socketServer !== lock.server)
    return { consistent: false, reason: `socket is connected to another server (${socketServer})`, lockedServer: lock.server, apiServer: apiServer ?? lock.server, operation }
  return { consistent: true, server: lock.server, operation }
}
