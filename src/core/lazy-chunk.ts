import { ComfyTetherError } from './errors'

/**
 * A part of comfy-tether that loads on first use (the workflow checks, the server API's calls) could not be loaded:
 * the network dropped while the app fetched it, or the app was deployed anew and the old chunk is gone. Nothing was
 * sent to any server; calling again tries the load again. Also what a synchronous debug helper (`debugLock`,
 * `validateServerConsistency`, `checkUnlockCondition`) throws when called before its chunk, which loads in the
 * background from the client's creation, is there.
 */
export class ChunkLoadError extends ComfyTetherError {
  override readonly name = 'ChunkLoadError'
  declare readonly code: 'CHUNK_LOAD_FAILED'
  /**
   * @param chunk - what the chunk holds, as the message names it
   * @param options - `cause`: the import's error; `pending`: the chunk is not there yet (a synchronous call made while
   * it still loads in the background), rather than failed
   */
  constructor(readonly chunk: string, options?: { cause?: unknown, pending?: boolean }) {
    super('CHUNK_LOAD_FAILED', options?.pending
      ? `comfy-tether's ${chunk} ${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? 'load in the background from the client\'s creation and ' : ''}are not loaded yet: call again in a moment.`
      : `could not load comfy-tether's ${chunk}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' It loads on first use: the network dropped, or the app was deployed anew and its old files are gone.' : ''} Nothing was sent; call again, or reload the page after a deploy.`, options)
  }
}

/**
 * Loads a chunk once through `importer` (a dynamic `import()`); a failed load is not cached, so the next call tries
 * again, and it rejects with a {@link ChunkLoadError} naming `chunk`.
 */
export function lazyChunk<T>(chunk: string, importer: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => loading ??= importer().catch((error: unknown) => {
    loading = undefined
    throw new ChunkLoadError(chunk, { cause: error })
  })
}
