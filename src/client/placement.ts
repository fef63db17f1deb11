import type { ServerStatus } from '../core/server-pool'
import type { Engine } from './engine'
import type { ServerFit } from './workflow-checks'
import { shouldHoldBack } from '../core/placement'
import { chooseServer } from '../core/server-pool'
import { createTask } from '../core/task-state'
import { createDeadServerRules } from './dead-server'
import { wasSent } from './engine'
import { createHealthRefresh } from './health-refresh'

const HEALTH_MAX_AGE_MS = 2000

/** Where new tasks go: health checks, the session lock's choice, task affinity's free slots. */
export function createPlacement(engine: Engine) {
  const { options, state, sessionMode, serverUrls } = engine
  let acquiring: Promise<string | undefined> | undefined
  let refreshing: Promise<ServerStatus[]> | undefined
  const health = createHealthRefresh({
    check: url => engine.api.queueRemaining(url, options.healthTimeout),
    updateServer: state.updateServer,
    onUnreachable: (url, why) => {
      state.tethers.get(url)?.markUnreachable(why) // a locked server's outage starts now
      engine.objectInfos.suspect(url) // it may be restarting, maybe with other nodes: read it again on next use
    },
  })
  const deadServer = createDeadServerRules({ tethers: state.tethers, serverUrls, pendingOn: state.pendingOn, setTask: engine.setTask, closeTether: engine.closeTether, record: state.record, wasSent: task => wasSent(engine, task) })
  const ownPending = (url: string): number => state.pendingOn(url).length
  /** Each await of placement goes on only while the client lives: nothing is locked or sent after dispose(). */
  const alive = <T>(work: T | Promise<T>): Promise<T> => engine.untilDisposed('submit()', Promise.resolve(work))

  /**
   * Asks `GET /prompt` of the servers: all of them, except while the session lock holds, when only the locked
   * server is asked (nothing is sent to another server while locked).
   */
  function refreshServers(): Promise<ServerStatus[]> {
    refreshing ??= (async () => {
      const held = state.heldSessionServer()
      await health.refresh(held ? [held] : serverUrls)
      return state.servers
    })().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  /**
   * Chooses the server of a new task and creates the task there in the same synchronous step, so that concurrent
   * submits see each other's tasks (and their locks) when they choose.
   */
  async function placeTask(promptId: string, fit?: ServerFit): Promise<string> {
    const create = (server: string): string => {
      engine.setTask(createTask({ promptId, server, clientId: state.clientId, now: Date.now() }))
      return server
    }
    if (!sessionMode)
      return taskServer(create, fit)
    const held = state.heldSessionServer()
    if (held && fit)
      await alive(fit.check([held], held)) // the locked server must fit; the lock is not broken for a workflow
    for (;;) {
      const server = await alive(sessionServer(fit))
      if (server !== undefined) {
        fit?.assertFitsNow(server) // a concurrent submit may have chosen for another workflow
        return create(server)
      }
      // The shared choice was made for a concurrent submit whose workflow fits nowhere: this one's own verdict.
      await alive(fit?.check(state.servers.filter(s => s.health === 'healthy').map(s => s.url)))
    }
  }

  /** Session affinity: the locked server while it holds, else a freshly chosen one (one choice at a time). */
  function sessionServer(fit?: ServerFit): string | Promise<string | undefined> {
    const held = state.heldSessionServer()
    if (held) {
      deadServer.refuseIfDown(held)
      engine.releaseTimers.get(held)?.()
      return held
    }
    acquiring ??= (async () => {
      await alive(refreshServers())
      const allowed = await alive(fitting(fit).catch(() => null))
      if (allowed === null)
        return undefined // nothing fits this workflow; each waiting submit then checks its own
      const stillHeld = state.heldSessionServer()
      if (stillHeld)
        return stillHeld
      const server = chooseServer(allowed ? state.servers.filter(s => allowed.has(s.url)) : state.servers, options.strategy, ownPending)
      engine.openTether(server, 'task-submitted')
      state.record('acquire', `locked to ${server} for a new task (${describeChoice(server)})`, { server })
      return server
    })().finally(() => {
      acquiring = undefined
    })
    // Concurrent submits share one choice; each creates its task in the microtask that resumes it, before any timer.
    return acquiring
  }

  /**
   * Task affinity: the best server with a free slot; waits in the client while every server is full. `take` runs in
   * the same synchronous step as the choice, so the next chooser counts the slot as taken.
   */
  async function taskServer(take: (server: string) => string = server => server, fit?: ServerFit): Promise<string> {
    for (;;) {
      if (state.servers.some(s => s.checkedAt === null || Date.now() - s.checkedAt > HEALTH_MAX_AGE_MS))
        await alive(refreshServers())
      const choice = chooseWithRoom(await alive(fitting(fit)))
      if (choice !== undefined)
        return take(choice)
      await alive(new Promise<void>((resolve) => {
        const wake = (): void => {
          engine.slotWaiters.delete(wake)
          resolve()
        }
        engine.slotWaiters.add(wake)
      }))
    }
  }

  /** The healthy servers that fit the workflow (`undefined`: no check, or no healthy server to check). */
  async function fitting(fit: ServerFit | undefined): Promise<Set<string> | undefined> {
    const healthy = state.servers.filter(s => s.health === 'healthy').map(s => s.url)
    return fit && healthy.length > 0 ? fit.check(healthy) : undefined
  }

  /** Synchronous: a healthy server with room for one more of our tasks (locked on return), or `undefined` if all are full. */
  function chooseWithRoom(allowed?: ReadonlySet<string>): string | undefined {
    const usable = allowed ? state.servers.filter(s => allowed.has(s.url)) : state.servers
    const healthy = usable.filter(s => s.health === 'healthy')
    const loads = healthy.map(s => ({ url: s.url, pending: ownPending(s.url), serviceMs: engine.serviceTimes.get(s.url) ?? null }))
    const roomy = new Set(loads.filter(l => l.pending < options.maxTasksPerServer && !shouldHoldBack(l, loads, engine.slotWaiters.size + 1)).map(l => l.url))
    const open = healthy.filter(s => roomy.has(s.url))
    if (open.length === 0 && healthy.length > 0)
      return undefined
    const server = chooseServer(open.length > 0 ? open : usable, options.strategy, ownPending)
    if (!state.tethers.has(server)) {
      engine.openTether(server, 'task-submitted')
      state.record('acquire', `locked ${server} for a new task (${describeChoice(server)}, ${ownPending(server)} of ours there)`, { server })
    }
    engine.releaseTimers.get(server)?.()
    return server
  }

  function describeChoice(server: string): string {
    const s = state.servers.find(x => x.url === server)
    return `healthy, queue ${s?.queueRemaining ?? '?'}`
  }

  /** The server a new call would go to now: the locked one, else the likely choice from the last health checks. */
  function likelyServer(): string | undefined {
    const held = state.heldSessionServer()
    if (held)
      return held
    try {
      return chooseServer(state.servers.map(s => (s.health === 'unknown' ? { ...s, health: 'healthy' as const } : s)), options.strategy, ownPending)
    }
    catch {
      return undefined
    }
  }

  return { placeTask, sessionServer, taskServer, refreshServers, likelyServer, abandon: deadServer.abandon, dispose: () => health.dispose() }
}
