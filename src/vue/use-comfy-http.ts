import type { AxiosInstance } from 'axios'
import { useComfyStore } from './use-comfy-store'

/**
 * The store's axios instance, for the app's own ComfyUI calls. Relative URLs go to the locked server; a request to
 * another server while locked is rejected with `ServerMismatchError`. Pass `comfy: { promptId }` to tie a call to a task.
 */
export function useComfyHttp(): AxiosInstance {
  return useComfyStore()._httpInstance()
}
