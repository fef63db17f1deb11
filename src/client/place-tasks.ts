import type { ServerStatus } from '../core/server-pool'
import type { Engine } from './engine'
import type { ServerFit } from './workflow-checks'
import type { PlacementSnapshot } from '../core/placement'
import { placeNewTask, roomIn } from '../core/placement'
import { InvalidArgumentError } from '../core/errors'
import { configuredServer } from '../core/server-identity'
import { chooseServer } from '../core/server-pool'
import { createTask } from '../core/task-state'
import type { createDeadServerRules } from './dead-server'
import { createHealthRefresh } from './health-refresh'

const HEALTH_MAX_AGE_MS = 2000

// The chunk of placement that loads in the background at client creation (see placement.ts, which the rest of the
// client calls): health checks, the session lock's choice, task affinity's free slots and its tail rule.

/** Where new tasks go: health checks, the session lock's choice, task affinity's free slots. */
export function createPlacer(engine: Engine, deadServer: ReturnType<typeof createDeadServerRules>, ownPending: (url: string) => number, serviceTimes: ReadonlyMap<string, number>) {
  const { options, state, sessionMode, serverUrls } = engine
  let acquiring: Promise<string | undefined> | undefined
  let refreshing: Promise<ServerStatus[]> | undefined
  /** Rounds of wakes so far (one per task end), and the round each waiting submit began to wait in. */
  let round = 0
  const waitingSince = new WeakMap<() => void, number>()
  /** Task-affinity submits waiting for a free slot: each is woken with the round of wakes it gets the turn in. */
  const slotWaiters = new Set<(round?: number) => void>()
  const health = createHealthRefresh({
    now: engine.now,
    after: engine.after,
    check: url => engine.api.queueRemaining(url, options.healthTimeout),
    updateServer: state.updateServer,
    onUnreachable: (url, why) => {
      state.tethers.get(url)?.markUnreachable(why) // a locked server's outage starts now
      engine.objectInfos.suspect(url) // it may be restarting, maybe with other nodes: read it again on next use
    },
  })
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
  async function placeTask(promptId: string, fit?: ServerFit, chosen?: string): Promise<string> {
    const create = (server: string): string => {
      engine.setTask(createTask({ promptId, server, clientId: state.clientId, now: engine.now() }))
      return server
    }
    if (chosen !== undefined)
      return create(await alive(placeOn(chosen, fit)))
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

  /** The caller chose the server (`submit(…, { server })`): it must be configured and fit the workflow. */
  async function placeOn(chosen: string, fit?: ServerFit): Promise<string> {
    if (sessionMode)
      throw new InvalidArgumentError('INVALID_OPTIONS', `[comfy-tether] submit(…, { server }) needs affinity: 'task' (with session affinity the lock decides the server). Drop the option, or create the client with affinity: 'task'.`)
    const server = configuredServer(chosen, serverUrls, 'submit')
    if (fit)
      await alive(fit.check([server], server))
    if (!state.tethers.has(server)) {
      engine.openTether(server, 'task-submitted')
      state.record('acquire', `locked ${server} for a new task (chosen by the caller)`, { server })
    }
    engine.cancelRelease(server)
    return server
  }

  /** Session affinity: the locked server while it holds, else a freshly chosen one (one choice at a time). */
  function sessionServer(fit?: ServerFit): string | Promise<string | undefined> {
    const held = state.heldSessionServer()
    if (held) {
      deadServer.refuseIfDown(held)
      engine.cancelRelease(held)
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
    /** The round of wakes this submit was woken in, while it has the turn. */
    let turn: number | undefined
    try {
      for (;;) {
        if (state.servers.some(s => s.checkedAt === null || engine.now() - s.checkedAt > HEALTH_MAX_AGE_MS))
          await alive(refreshServers())
        const choice = chooseWithRoom(await alive(fitting(fit)))
        if (choice !== undefined)
          return take(choice)
        if (turn !== undefined)
          passTurn(turn) // room this workflow cannot use may suit the next one
        turn = undefined
        turn = await alive(new Promise<number>((resolve) => {
          const wake = (wakeRound?: number): void => {
            slotWaiters.delete(wake)
            resolve(wakeRound ?? round)
          }
          waitingSince.set(wake, round)
          slotWaiters.add(wake)
        }))
      }
    }
    finally {
      if (turn !== undefined)
        passTurn(turn) // placed (room may be left) or failed: the next one looks
    }
  }

  /**
   * A task ended: a slot may have freed. Only the longest-waiting submit is woken; each woken one passes the turn on
   * while some server has room, to those that waited before this round, so one end costs one look, not one per waiter.
   */
  function slotFreed(): void {
    round++
    passTurn(round)
  }

  function passTurn(ofRound: number): void {
    const next = slotWaiters.values().next()
    if (!next.done && (waitingSince.get(next.value) ?? 0) < ofRound && anyRoom())
      next.value(ofRound)
  }

  /** The healthy servers that fit the workflow (`undefined`: no check, or no healthy server to check). */
  async function fitting(fit: ServerFit | undefined): Promise<Set<string> | undefined> {
    const healthy = state.servers.filter(s => s.health === 'healthy').map(s => s.url)
    return fit && healthy.length > 0 ? fit.check(healthy) : undefined
  }

  /** The snapshot placement decides on: the usable servers and this client's load there. */
  function snapshotOf(usable: readonly ServerStatus[], waiting: number): PlacementSnapshot {
    return { servers: usable, pending: ownPending, serviceMs: url => serviceTimes.get(url) ?? null, maxTasksPerServer: options.maxTasksPerServer, waiting }
  }

  /** Would a waiting submit find room now (or, with no healthy server, fail at once as it would)? */
  function anyRoom(): boolean {
    const { healthy, open } = roomIn(snapshotOf(state.servers, slotWaiters.size))
    return open.length > 0 || healthy.length === 0
  }

  /** Synchronous: a healthy server with room for one more of our tasks (locked on return), or `undefined` if all are full. */
  function chooseWithRoom(allowed?: ReadonlySet<string>): string | undefined {
    const usable = allowed ? state.servers.filter(s => allowed.has(s.url)) : state.servers
    const server = placeNewTask(snapshotOf(usable, slotWaiters.size + 1), options.strategy)
    if (server === undefined)
      return undefined
    if (!state.tethers.has(server)) {
      engine.openTether(server, 'task-submitted')
      state.record('acquire', `locked ${server} for a new task (${describeChoice(server)}, ${ownPending(server)} of ours there)`, { server })
    }
    engine.cancelRelease(server)
    return server
  }

  function describeChoice(server: string): string {
    const s = state.servers.find(x => x.url === server)
    return `healthy, queue ${s?.queueRemaining ?? '?'}`
  }

  function dispose(): void {
    health.dispose()
    for (const wake of [...slotWaiters]) wake() // each rejects with CLIENT_DISPOSED (its await goes through alive)
  }

  return { placeTask, sessionServer, taskServer, refreshServers, slotFreed, dispose }
}
