// A locked server's tether (its socket, reconcile polls, outage clock) is in the background chunk (background.ts), which
// the client starts loading when it is created: an app without pending tasks has no tether, and a task the app
// submits or resumes comes from chunks that load the same way. Once it is there, a tether is made at once, as before.
// Only a lock taken before that (the restore of a reload, at the client's creation) gets a stand-in: it holds the
// lock and answers what a tether whose socket never opened answers (the client is not ready before the restore's
// duplicate-tab check, so the real one would not open it either); what else is asked of it waits for the chunk, then
// goes to the tether it makes, in order.
import type { ServerLock } from '../core/server-lock'
import type { ServerTether, TetherContext } from './tether-types'
import { CLOSED_SOCKET } from './types'
import { loadBackground as load, loadedBackground } from './load-background'

/** `createServerTether` of server-tether.ts: the tether itself once its chunk is there, else its stand-in until then. */
export function createServerTether(lock: ServerLock, ctx: TetherContext, previousSocketClosed?: Promise<void>): ServerTether {
  const chunk = loadedBackground()
  if (chunk)
    return chunk.createServerTether(lock, ctx, previousSocketClosed)
  let real: ServerTether | undefined
  let disposed = false
  let queued: ((tether: ServerTether) => void)[] = []
  let attaching: Promise<ServerTether | undefined> | undefined
  const attach = (): Promise<ServerTether | undefined> => attaching ??= load().then((loaded) => {
    if (!real && !disposed) {
      real = loaded.createServerTether(lock, ctx, previousSocketClosed)
      const ops = queued
      queued = []
      for (const op of ops) op(real)
      if (real.socket.status !== CLOSED_SOCKET.status)
        ctx.changed()
    }
    return real
  }, (error: unknown) => {
    attaching = undefined // the next call tries again
    throw error
  })
  /** Runs `op` on the tether now, or once it is made (never after dispose). */
  const later = (op: (tether: ServerTether) => void): void => {
    if (real)
      return op(real)
    if (disposed)
      return
    queued.push(op)
    attach().catch(() => {})
  }
  attach().catch(() => {})
  return {
    server: lock.server,
    lock,
    get socket() {
      return real ? real.socket : CLOSED_SOCKET
    },
    get ws() {
      return real?.ws
    },
    get unreachableSince() {
      return real ? real.unreachableSince : null
    },
    get socketUnavailable() {
      return real ? real.socketUnavailable : null
    },
    readyChanged: () => later(t => t.readyChanged()),
    holds: () => (real ? real.holds() : ctx.pendingOn(lock.server).length > 0),
    reconcile: async reason => (real ?? await attach())?.reconcile(reason),
    schedulePoll: delay => later(t => t.schedulePoll(delay)),
    noteTaskFrame: at => later(t => t.noteTaskFrame(at)),
    markUnreachable: why => later(t => t.markUnreachable(why)),
    answered: () => later(t => t.answered()),
    whenReachable: async () => (real ?? await attach())?.whenReachable(),
    ensureSocket: () => later(t => t.ensureSocket()),
    noteRestart: () => later(t => t.noteRestart()),
    dispose() {
      disposed = true
      queued = []
      real?.dispose()
    },
  }
}
