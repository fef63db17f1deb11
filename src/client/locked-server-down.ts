// What a new submit does while the session's locked server is known down: a rule of placement's choice, so it is in the
// background chunk (background.ts) with it, not in the startup code with `abandon()` (dead-server.ts).
import type { DeadServerContext } from './dead-server'
import { LockedServerDownError } from '../core/request-errors'

/**
 * Session affinity, locked server known down: with other servers configured the app has somewhere to go, so the
 * submit fails fast (wait, or `abandon()` and submit again); with one server the task waits (up to maxOutage).
 */
export function refuseIfDown(ctx: DeadServerContext, server: string): void {
  const since = ctx.tethers.get(server)?.unreachableSince ?? null
  if (since === null)
    return
  if (ctx.serverUrls.length > 1)
    throw new LockedServerDownError(server, since, ctx.pendingOn(server).map(t => t.promptId))
  ctx.record('hold', `a new task waits for ${server}, unreachable since ${new Date(since).toISOString()} (up to maxOutage)`, { server })
}
