import type { ComfyRequester } from './comfy-api'
import { AxiosHeaders } from 'axios'
import type { ComfyImageRef } from '../core/api-types'
import { ClientDisposedError } from '../core/errors'
import { toComfyError } from './to-comfy-error'

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

/**
 * For servers that accept credentials in headers only (an `<img src>` cannot send them): `GET /view` with the
 * headers, into a revocable object URL. The URLs still alive are revoked on `dispose()`.
 */
export function createImageLoader(http: ComfyRequester): ImageLoader {
  const alive = new Set<string>()
  let disposed = false
  return {
    async load(server, image, promptId) {
      const operation = 'GET /view'
      let data: unknown
      let type: string
      try {
        const response = await http.get('/view', {
          baseURL: server,
          params: { filename: image.filename, subfolder: image.subfolder, type: image.type },
          responseType: 'arraybuffer',
          comfy: { operation, promptId },
        })
        data = response.data
        type = String(AxiosHeaders.from(response.headers as AxiosHeaders).get('content-type') ?? 'application/octet-stream').split(';')[0]?.trim() ?? ''
      }
      catch (error) {
        throw toComfyError(error, server, operation)
      }
      if (disposed) // nothing would ever revoke a URL made now
        throw new ClientDisposedError('loadImage()')
      const blob = new Blob([data as ArrayBuffer], { type })
      const url = URL.createObjectURL(blob)
      alive.add(url)
      return {
        url,
        blob,
        revoke() {
          if (alive.delete(url))
            URL.revokeObjectURL(url)
        },
      }
    },
    dispose() {
      disposed = true
      for (const url of alive) URL.revokeObjectURL(url)
      alive.clear()
    },
  }
}
