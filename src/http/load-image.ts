import type { ComfyRequester } from './comfy-api'
import type { ComfyImageRef } from '../core/api-types'
import { ClientDisposedError } from '../core/errors'
import { lazyChunk } from '../core/lazy-chunk'

/** An output loaded with its server's headers, as an object URL for `<img src>`. */
export interface LoadedImage {
  /** `blob:` URL of the image; valid until `revoke()` (or until the store is disposed). */
  url: string
  /** The image itself. */
  blob: Blob
  /** Frees the object URL. Safe to call more than once. */
  revoke: () => void
}

/** Loads `/view` images through the interceptor (the lock is checked, the server's headers go along). */
export interface ImageLoader {
  load: (server: string, image: ComfyImageRef, promptId?: string) => Promise<LoadedImage>
  /** Revokes every object URL it handed out that is still alive; a load still running then rejects with `CLIENT_DISPOSED`. */
  dispose: () => void
}

const load = lazyChunk('loadImage()', () => import('./image-loader'))

/**
 * For servers that accept credentials in headers only (an `<img src>` cannot send them): `GET /view` with the
 * headers, into a revocable object URL. The URLs still alive are revoked on `dispose()`. Its code loads with the first
 * `load()`.
 */
export function createImageLoader(http: ComfyRequester): ImageLoader {
  let loader: ImageLoader | undefined
  let disposed = false
  return {
    async load(server, image, promptId) {
      const chunk = await load()
      loader ??= chunk.createImageLoaderNow(http) // the first of concurrent loads makes the one loader
      if (disposed) // disposed while the code loaded: nothing was sent
        throw new ClientDisposedError('loadImage()')
      return loader.load(server, image, promptId)
    },
    dispose() {
      disposed = true
      loader?.dispose()
    },
  }
}
