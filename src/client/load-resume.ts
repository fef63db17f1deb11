// `resume()` (following a prompt that another process sent) is a chunk of its own, loaded on its first call: an app
// that only submits its own tasks never loads it.
import type { Engine } from './engine'
import type { ComfyResumeOptions } from './resume'
import type { ComfyClientTaskHandle } from './types'
import { lazyChunk } from '../core/lazy-chunk'

const load = lazyChunk('resume()', () => import('./resume'))

/** `resume()` of `engine`, loading its code on the first call (a failed load rejects with a `ChunkLoadError`). */
export function lazyResume(engine: Engine): (options: ComfyResumeOptions) => Promise<ComfyClientTaskHandle> {
  let resume: ((options: ComfyResumeOptions) => Promise<ComfyClientTaskHandle>) | undefined
  return async (options) => {
    const chunk = await load()
    resume ??= chunk.createResume(engine)
    return resume(options)
  }
}
