// A server's status as the background chunk's parts report it (health checks, status frames, a tether's outage clock):
// only they call `updateServer` of client-state.ts, so the rule is in their chunk (background.ts).
import type { ServerStatus } from '../core/server-pool'
import type { ClientState } from './client-state'

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

/** Sets what `patch` says of server `url` in `state.servers` at time `at`, unless it is no news. */
export function updateServerStatus(state: ClientState, at: number, url: string, patch: Partial<ServerStatus>): void {
  const servers = state.servers
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
}
