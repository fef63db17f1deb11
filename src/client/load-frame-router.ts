// The frame router (each socket frame to the task it is about, binary previews decoded) is a chunk of its own that the
// client starts loading in the background when it is created: frames come only over a tethered server's socket, once
// a task exists or was restored. A frame that arrives before the chunk is there waits for it, in order; once it is
// there every frame goes straight to it. The chunk also wires the router to the engine (engine-frames.ts).
import type { Engine } from './engine'
import { loadBackground } from './load-background'

/** A frame of `server`'s socket, arrived at `at` (the client's clock) when the socket read it. */
type Route = (server: string, data: unknown, at?: number) => void

/** Frames kept while the chunk loads; past this many (a load that keeps failing) the oldest are dropped as malformed. */
const MAX_WAITING_FRAMES = 10_000

/**
 * The frame router of `engine` (frame-router.ts), its code loaded in the background from now on. `onMalformed` hears
 * of each malformed frame, and of each frame dropped while the load keeps failing.
 */
export function createFrameRouter(engine: Engine, onMalformed: (server: string, reason: string) => void): Route {
  let route: Route | undefined
  let loading = false
  const waiting: Parameters<Route>[] = []

  function start(): void {
    if (loading)
      return
    loading = true
    loadBackground().then((chunk) => {
      route = chunk.createEngineFrameRouter(engine, onMalformed)
      for (const frame of waiting.splice(0)) route(...frame)
    }, (error: unknown) => {
      loading = false // the next frame tries again
      engine.options.logger.warn(`frames wait: ${error instanceof Error ? error.message : String(error)}`)
    })
  }
  start()

  return (server, data, at) => {
    if (route)
      return route(server, data, at)
    if (waiting.push([server, data, at]) > MAX_WAITING_FRAMES) {
      const [dropped] = waiting.splice(0, 1)
      if (dropped)
        onMalformed(dropped[0], 'frame dropped: the frame router could not load')
    }
    start()
  }
}
