// Where new tasks go. What must answer at once stays here (the likely server of a call made now, `abandon()` of a dead
// server); the choice itself (health checks, the session lock's choice, task affinity's free slots and tail rule:
// place-tasks.ts) and what it learns from each task's end (task-end-times.ts) are in the background chunk the client
// starts loading when it is created. Once loaded every call goes straight to it; a call made before that waits for the
// load. Every caller of these was already asynchronous, and no submit waits for a slot before the chunk is there, so a
// task end before it has nobody to wake, and no run time to tell (a task succeeds only through that chunk's frames or
// reconcile).
import type { DeadServerContext } from './dead-server'
import type { Engine } from './engine'
import type { ServerFit } from './workflow-checks'
import type { createPlacer } from './place-tasks'
import { chooseServer } from '../core/server-pool'
import { createDeadServerRules } from './dead-server'
import { wasSent } from './engine'
import { backgroundPart, loadedBackground } from './load-background'

type Placer = ReturnType<typeof createPlacer>

/** Where new tasks go: health checks, the session lock's choice, task affinity's free slots. */
export function createPlacement(engine: Engine) {
  const { options, state, serverUrls } = engine
  const dead: DeadServerContext = { now: engine.now, tethers: state.tethers, serverUrls, pendingOn: state.pendingOn, setTask: engine.setTask, closeTether: engine.closeTether, record: state.record, wasSent: task => wasSent(engine, task) }
  // Only the placer (in the background chunk) asks refuseIfDown, so its chunk is there whenever it is asked.
  const deadServer = createDeadServerRules(dead, server => loadedBackground()?.refuseIfDown(dead, server))
  const ownPending = (url: string): number => engine.cache.pendingTasksOn(url).size
  /** Smoothed run time of a task per server, for task affinity's tail rule. */
  const serviceTimes = new Map<string, number>()
  let disposed = false
  let stopHearing = (): void => {}
  const { now, use } = backgroundPart((chunk) => {
    const placer = chunk.createPlacer(engine, deadServer, ownPending, serviceTimes)
    if (disposed)
      placer.dispose()
    else // a task that ended frees a slot on its server, and tells how long a task takes there
      stopHearing = chunk.hearTaskEnds(engine.cache, serviceTimes, () => placer.slotFreed())
    return placer
  })

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

  return {
    placeTask: (promptId: string, fit?: ServerFit, chosen?: string): Promise<string> => use(p => p.placeTask(promptId, fit, chosen)),
    sessionServer: (fit?: ServerFit): string | Promise<string | undefined> => use(p => p.sessionServer(fit)),
    taskServer: (take?: (server: string) => string, fit?: ServerFit): Promise<string> => use(p => p.taskServer(take, fit)),
    refreshServers: (): Promise<Awaited<ReturnType<Placer['refreshServers']>>> => use(p => p.refreshServers()),
    likelyServer,
    abandon: deadServer.abandon,
    dispose: (): void => {
      disposed = true
      stopHearing()
      now()?.dispose()
    },
  }
}
