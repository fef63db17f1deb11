// Where new tasks go. What must answer at once stays here (the likely server of a call made now, `abandon()` of a dead
// server, the wake of a task end); the choice itself (health checks, the session lock's choice, task affinity's free
// slots and tail rule: place-tasks.ts) is a chunk the client starts loading in the background when it is created. Once
// loaded every call goes straight to it; a call made before that waits for the load. Every caller of these was
// already asynchronous, and no submit waits for a slot before the chunk is there, so a wake before it has nobody to wake.
import type { Engine } from './engine'
import type { ServerFit } from './workflow-checks'
import type { createPlacer } from './place-tasks'
import { lazyChunk } from '../core/lazy-chunk'
import { chooseServer } from '../core/server-pool'
import { createDeadServerRules } from './dead-server'
import { wasSent } from './engine'

type Placer = ReturnType<typeof createPlacer>

const load = lazyChunk('placement (health checks, server choice)', () => import('./place-tasks'))

/** Where new tasks go: health checks, the session lock's choice, task affinity's free slots. */
export function createPlacement(engine: Engine) {
  const { options, state, serverUrls } = engine
  const deadServer = createDeadServerRules({ tethers: state.tethers, serverUrls, pendingOn: state.pendingOn, setTask: engine.setTask, closeTether: engine.closeTether, record: state.record, wasSent: task => wasSent(engine, task) })
  const ownPending = (url: string): number => state.pendingOn(url).length
  let placer: Placer | undefined
  let disposed = false
  const loaded = (): Promise<Placer> => load().then((chunk) => {
    if (!placer) {
      placer = chunk.createPlacer(engine, deadServer, ownPending)
      if (disposed)
        placer.dispose()
    }
    return placer
  })
  loaded().catch(() => {}) // the next call tries again and rejects with the error

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
    placeTask: (promptId: string, fit?: ServerFit, chosen?: string): Promise<string> => (placer ? placer.placeTask(promptId, fit, chosen) : loaded().then(p => p.placeTask(promptId, fit, chosen))),
    sessionServer: (fit?: ServerFit): string | Promise<string | undefined> => (placer ? placer.sessionServer(fit) : loaded().then(p => p.sessionServer(fit))),
    taskServer: (take?: (server: string) => string, fit?: ServerFit): Promise<string> => (placer ? placer.taskServer(take, fit) : loaded().then(p => p.taskServer(take, fit))),
    refreshServers: (): ReturnType<Placer['refreshServers']> => (placer ? placer.refreshServers() : loaded().then(p => p.refreshServers())),
    likelyServer,
    slotFreed: (): void => placer?.slotFreed(),
    abandon: deadServer.abandon,
    dispose: (): void => {
      disposed = true
      placer?.dispose()
    },
  }
}
