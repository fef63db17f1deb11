import type { ComfyTask } from '../core/task-state'
import type { Engine } from './engine'
import type { ComfySocketFactory } from './socket'
import type { ServerTether } from './server-tether'
import { acquireLock } from '../core/server-lock'
import { wasSent } from './engine'
import { backgroundPart, loadedBackground } from './load-background'
import { createServerTether } from './load-server-tether'

/** What the tethers need besides the engine. */
export interface TethersContext {
  socket: ComfySocketFactory
  resubmit: (task: ComfyTask) => Promise<boolean>
  onFrame: (server: string, data: unknown) => void
  changed: () => void
}

/** Opens and closes the tether of each locked server, and releases a lock once its server has no task pending. */
export function createTethers(engine: Engine, ctx: TethersContext) {
  const { state, options, api } = engine
  /** Sockets still closing, per server: a new socket with the same clientId waits for them. */
  const closingSockets = new Map<string, Promise<void>>()
  // Only the background chunk's parts end tasks (abandon() releases the lock itself), so the releases wait for it.
  const release = backgroundPart(chunk => chunk.createLockRelease(engine, closeTether))

  function openTether(server: string, reason: Parameters<Engine['openTether']>[1], since = engine.now()): ServerTether {
    const existing = state.tethers.get(server)
    if (existing)
      return existing
    const current = state.sessionTether()
    const next = acquireLock(current?.lock ?? null, { server, clientId: state.clientId, reason, now: since, pending: current ? state.pendingOn(current.server).map(t => t.promptId) : [] })
    if (current)
      closeTether(current, `switching to ${server}`)
    const tether = createServerTether(next, {
      options,
      api,
      queue: engine.serverQueue,
      clientId: () => state.clientId,
      ready: () => state.ready,
      pendingOn: state.pendingOn,
      getTask: id => engine.cache.snapshot(id),
      setTask: engine.setTask,
      record: state.record,
      onFrame: ctx.onFrame,
      updateServer: state.updateServer,
      resubmit: ctx.resubmit,
      wasSent: task => wasSent(engine, task),
      createSocket: ctx.socket,
      timers: engine.timers,
      changed: ctx.changed,
    }, closingSockets.get(server))
    state.tethers.set(server, tether)
    engine.persist()
    return tether
  }

  function closeTether(tether: ServerTether, why: string): void {
    release.now()?.cancel(tether.server)
    const ws = tether.ws
    if (ws && ws.readyState !== 3) // a socket: the tether is a real one, so the background chunk is there
      loadedBackground()?.noteClosingSocket(closingSockets, tether.server, ws, engine.after)
    // Our own clean close: the socket watched the server until now (an abnormal close never comes here).
    engine.objectInfos.noteCleanClose(tether.server)
    tether.dispose()
    state.tethers.delete(tether.server)
    state.record('release', `released the lock on ${tether.server}: ${why}`, { server: tether.server })
    engine.persist()
  }

  return {
    openTether,
    closeTether,
    scheduleRelease: (server: string): void => release.now()?.schedule(server),
    /** A task needs `server` again: its pending lock release (if any) is called off. */
    cancelRelease: (server: string): void => release.now()?.cancel(server),
  }
}
