// The `/view` loader itself (see `createImageLoader` in load-image.ts): a chunk loaded with the first loadImage().
import type { ComfyRequester } from './comfy-api'
import type { ImageLoader } from './load-image'
import { AxiosHeaders } from 'axios'
import { ClientDisposedError } from '../core/errors'
import { toComfyError } from './to-comfy-error'

/**
 * For servers that accept credentials in headers only (an `<img src>` cannot send them): `GET /view` with the
 * headers, into a revocable object URL. The URLs still alive are revoked on `dispose()`.
 */
export function createImageLoaderNow(http: ComfyRequester): ImageLoader {
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
