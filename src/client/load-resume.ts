// `resume()` (following a prompt that another process sent) is a chunk of its own, loaded on its first call: an app
// that only submits its own tasks never loads it. The follow sockets of the prompts it resumes under another clientId
// (follow-socket-set.ts) are in the same chunk (resume-parts.ts): only `resume()` opens one.
import type { Engine } from './engine'
import type { startFollowSockets } from './follow-socket-set'
import type { FollowSocketsContext } from './follow-sockets'
import type { ComfyResumeOptions } from './resume'
import type { ComfyClientTaskHandle } from './types'
import { lazyChunk } from '../core/lazy-chunk'

const load = lazyChunk('resume()', () => import('./resume-parts'))

/**
 * `resume()` of `engine`, loading its code on the first call (a failed load rejects with a `ChunkLoadError`);
 * `follow(server, promptId, clientId)` opens a socket of `clientId` to `server` for as long as that prompt is pending
 * (`resume()` asks it, so its code is there); `dispose()` closes them all.
 */
export function lazyResume(engine: Engine, ctx: FollowSocketsContext) {
  let resume: ((options: ComfyResumeOptions) => Promise<ComfyClientTaskHandle>) | undefined
  let follows: ReturnType<typeof startFollowSockets> | undefined
  return {
    async resume(options: ComfyResumeOptions): Promise<ComfyClientTaskHandle> {
      const chunk = await load()
      follows ??= chunk.startFollowSockets(engine, ctx)
      resume ??= chunk.createResume(engine)
      return resume(options)
    },
    follow: (server: string, promptId: string, clientId: string): void => follows?.follow(server, promptId, clientId),
    dispose: (): void => follows?.dispose(),
  }
}
