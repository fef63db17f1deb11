import type { ComfyServerApi } from '../http/comfy-server-api'
import { createComfyServerApi } from '../http/comfy-server-api'
import { useComfyStore } from './use-comfy-store'

/**
 * The server calls beyond tasks (`/object_info`, `/models`, `/system_stats`, `/free`, `/embeddings`, `/features`,
 * history listing, `/api/jobs`) over the store's axios instance: each names its server, and while the session lock
 * holds, a call to another server is refused with `SERVER_MISMATCH` before it is sent. A server is read as a configured
 * one however it is spelled (a trailing slash, host case, a default port); one that is not configured is refused with
 * `INVALID_SERVER_URL`.
 */
export function useComfyServerApi(): ComfyServerApi {
  const store = useComfyStore()
  // Each call's server is one of the configured ones, however the app spells it.
  return createComfyServerApi(store._httpInstance(), () => store.servers.map(s => s.url))
}
