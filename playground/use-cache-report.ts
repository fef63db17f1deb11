import type { ComfyTask } from 'comfy-tether'
import { useComfyHttp } from 'comfy-tether'
import { shallowRef, watch } from 'vue'

/** What ComfyUI's cache did for a finished task: which of its nodes it answered from earlier results. */
export interface CacheReport {
  /** Node ids ComfyUI took from its cache (its `execution_cached` message). */
  cached: string[]
  /** How many nodes the prompt had. */
  total: number
}

/** The `execution_cached` nodes and the node count of a `GET /history/{id}` answer, or `null` if it has neither. */
export function readCacheReport(history: unknown, promptId: string): CacheReport | null {
  const entry = (history as Record<string, unknown> | null)?.[promptId] as { prompt?: unknown, status?: { messages?: unknown } } | undefined
  const messages = entry?.status?.messages
  if (!Array.isArray(messages))
    return null
  const found = messages.find((m: unknown) => Array.isArray(m) && m[0] === 'execution_cached') as [string, { nodes?: unknown }] | undefined
  const nodes = found?.[1]?.nodes
  // The history's prompt item is [number, prompt_id, prompt, extra_data, outputs_to_execute].
  const prompt = Array.isArray(entry?.prompt) ? entry.prompt[2] as unknown : undefined
  if (!Array.isArray(nodes) || typeof prompt !== 'object' || prompt === null)
    return null
  return { cached: nodes.map(String), total: Object.keys(prompt).length }
}

/**
 * Once a task has succeeded, asks its own server's `/history` whether ComfyUI served nodes from its cache (a re-run
 * of the same inputs is). The request carries the task's prompt id, so the client's interceptor sends it to the
 * task's server and nowhere else. `null` until known, and for a task whose history does not say.
 */
export function useCacheReport(task: () => ComfyTask) {
  const http = useComfyHttp()
  const report = shallowRef<CacheReport | null>(null)
  const checked = shallowRef(false)
  watch(() => task().state, async (state) => {
    if (state !== 'succeeded' || checked.value)
      return
    const { promptId } = task()
    try {
      const res = await http.get<unknown>(`/history/${encodeURIComponent(promptId)}`, { comfy: { promptId, operation: 'GET /history' } })
      report.value = readCacheReport(res.data, promptId)
    }
    catch {
      report.value = null // the server went away since: nothing to say
    }
    finally {
      checked.value = true
    }
  }, { immediate: true })
  return { report, checked }
}
