// The frame router of a client wired to its engine, in the frame router's chunk (load-frame-router.ts loads it in the
// background when the client is created): the wiring runs only once frames can be routed, so it is not startup code.
import type { Engine } from './engine'
import { createFrameRouter } from './frame-router'

/** `createFrameRouter` of frame-router.ts with the context `engine` gives; `onMalformed` is the client's own. */
export function createEngineFrameRouter(engine: Engine, onMalformed: (server: string, reason: string) => void): ReturnType<typeof createFrameRouter> {
  const { state, options, workflows } = engine
  return createFrameRouter({
    cache: engine.cache,
    now: engine.now,
    onStatus: server => workflows.onStatus(server),
    onSuccess: (task, at) => workflows.onSuccess(task, at),
    updateServer: state.updateServer,
    history: (server, promptId) => engine.api.history(server, promptId),
    lostGraceMs: options.reconcile.lostGrace,
    onMalformed,
    onTaskFrame: (server, at) => state.tethers.get(server)?.noteTaskFrame(at),
    warn: options.logger.warn,
    after: (ms, callback) => void engine.after(ms, callback), // a timer of the client's group, none after dispose()
    requestReconcile: server => state.tethers.get(server)?.schedulePoll(),
  })
}
