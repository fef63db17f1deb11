// Second sockets for resumed prompts sent under another clientId (see follow-socket-set.ts): only `resume()` opens
// one, so their code loads with the first of them.
import type { Engine } from './engine'
import type { ComfySocketFactory } from './socket'
import type { startFollowSockets } from './follow-socket-set'
import { lazyChunk } from '../core/lazy-chunk'

/** What the follow sockets need besides the engine. */
export interface FollowSocketsContext {
  socket: ComfySocketFactory
  /** The client's frame handler: frames are routed by prompt id to the task, as the tether's own socket's are. */
  onFrame: (server: string, data: unknown) => void
}

const load = lazyChunk('follow sockets of resume()', () => import('./follow-socket-set'))

/**
 * The follow sockets of a client: `follow(server, promptId, clientId)` opens a socket of `clientId` to `server` for
 * as long as that prompt is pending (its code loads with the first call); `dispose()` closes them all.
 */
export function createFollowSockets(engine: Engine, ctx: FollowSocketsContext) {
  let set: ReturnType<typeof startFollowSockets> | undefined
  let disposed = false
  return {
    follow(server: string, promptId: string, clientId: string): void {
      if (set) {
        set.follow(server, promptId, clientId)
        return
      }
      load().then((chunk) => {
        if (disposed)
          return
        set ??= chunk.startFollowSockets(engine, ctx)
        set.follow(server, promptId, clientId)
      }, (error: unknown) => engine.options.logger.warn(`could not follow ${promptId} with a socket of its clientId: ${error instanceof Error ? error.message : String(error)}`))
    },
    /** How many follow sockets are open or opening (for tests and debugging). */
    get size(): number {
      return set?.size ?? 0
    },
    dispose(): void {
      disposed = true
      set?.dispose()
    },
  }
}
