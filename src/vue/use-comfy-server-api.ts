import type { ComfyServerApi } from '../http/comfy-server-api'
import { createComfyServerApi } from '../http/comfy-server-api'
import { useComfyStore } from './use-comfy-store'

/**
 * The server calls beyond tasks (`/object_info`, `/models`, `/system_stats`, `/free`, `/embeddings`, `/features`,
 * history listing, `/api/jobs`) over the store's axios instance: each names its server, and while the session lock
 * holds, a call to another server is refused with `SERVER_MISMATCH` before it is sent.
 */
export function useComfyServerApi(): ComfyServerApi {
  return createComfyServerApi(useComfyStore()._httpInstance())
}
