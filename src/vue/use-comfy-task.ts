import type { MaybeRefOrGetter, ShallowRef } from 'vue'
import type { NodeOutputs } from '../core/api-types'
import type { ComfyTetherError } from '../core/errors'
import type { ComfyTask } from '../core/task-state'
import type { ComfyClient } from '../client/client-types'
import type { ComfyClientTaskHandle, ComfyTaskResult } from '../client/types'
import type { ComfyTaskHandle } from './store-types'
import { inject, onScopeDispose, shallowRef, toValue, watch } from 'vue'
import { InvalidArgumentError } from '../core/errors'
import { normalizeOutputs } from '../core/outputs'
import { isTerminal } from '../core/task-state'
import { COMFY_CLIENT_KEY } from './keys'
import { useComfyStore } from './use-comfy-store'

/** What {@link useComfyTask} follows: a handle of the store's or the client's `submit()`/`resume()`, or a prompt id. */
export type ComfyTaskSource = ComfyTaskHandle | ComfyClientTaskHandle | string

/** The refs {@link useComfyTask} returns. Written only by the composable. */
export interface UseComfyTaskReturn {
  /** The task's snapshot now; `undefined` before it is known, and once the client dropped it (`taskRetention`). */
  task: ShallowRef<ComfyTask | undefined>
  /**
   * Overall progress in 0..1: the workflow view's (nodes finished or cached, the running one by its steps; it never
   * goes back), or, for a task without a view (resumed, or restored after a reload), the running node's own steps.
   * 1 once succeeded; 0 before the task runs.
   */
  progress: ShallowRef<number>
  /** What the task produced, once it succeeded (as `await handle.result` gives it); else `undefined`. */
  result: ShallowRef<ComfyTaskResult | undefined>
  /** The typed error the task ended with (`EXECUTION_FAILED`, `TASK_LOST`, …); `null` while it has not failed. */
  error: ShallowRef<ComfyTetherError | null>
  /** Has the task not ended yet? `false` for no task or one not known. */
  isPending: ShallowRef<boolean>
}

function idOf(source: ComfyTaskSource | null | undefined): string | undefined {
  return typeof source === 'string' ? source || undefined : source?.promptId
}

/** The task a source shows now (a handle follows a server's re-key; a bare id is read as it is). */
function currentTask(client: ComfyClient, source: ComfyTaskSource, id: string): ComfyTask | undefined {
  return typeof source === 'string' ? client.tasks.get(id) : toValue(source.task)
}

/** The result of a task that succeeded, as the client settles `result` with. */
function resultOf(client: ComfyClient, id: string, task: ComfyTask): ComfyTaskResult {
  // A task submitted here has its view's files (with node titles); one resumed has its outputs' files.
  const files = client.taskWorkflow(id)?.outputs.files
    ?? normalizeOutputs(task.outputs as NodeOutputs, task.server).files.map(file => ({ ...file, url: client.viewUrl(file, task) }))
  return { promptId: task.promptId, server: task.server, outputs: task.outputs, images: task.images, imageUrls: task.images.map(image => client.viewUrl(image, task)), files }
}

/**
 * Follows one task as refs: its snapshot, overall progress, result, typed error and whether it is still pending. Fed
 * by the client's `observe()` and released when the calling component (or effect scope) is disposed. A ref or getter
 * source is followed: when it changes to another task, the refs follow that one; `null`/`undefined` means no task.
 * Call it in a component's `setup()` (or an effect scope) of an app where `comfyPlugin` is installed.
 *
 * @param source - a handle from `submit()`/`resume()` (the store's or the client's), a prompt id, or a ref/getter of one
 * @example
 * const comfy = useComfyStore()
 * const handle = shallowRef<ComfyTaskHandle>()
 * const { progress, result, error, isPending } = useComfyTask(handle)
 * async function run() { handle.value = await comfy.submit(workflow) }
 */
export function useComfyTask(source: MaybeRefOrGetter<ComfyTaskSource | null | undefined>): UseComfyTaskReturn {
  const slot = inject(COMFY_CLIENT_KEY, null)
  if (!slot)
    throw new InvalidArgumentError('INVALID_OPTIONS', 'useComfyTask() was called outside a component\'s setup() or before app.use(comfyPlugin, …). Install the plugin after Pinia and call it in setup().')
  useComfyStore() // the store owns the app's client (its lock, its devtools view): it creates it if none lives
  const client = slot.acquire()

  const task = shallowRef<ComfyTask>()
  const progress = shallowRef(0)
  const result = shallowRef<ComfyTaskResult>()
  const error = shallowRef<ComfyTetherError | null>(null)
  const isPending = shallowRef(false)

  function update(id: string, next: ComfyTask | undefined): void {
    task.value = next
    if (!next)
      return // dropped: the outcome last seen stays
    isPending.value = !isTerminal(next.state)
    const view = client.taskWorkflow(id)
    progress.value = next.state === 'succeeded' ? 1 : view ? view.progress : next.progress && next.progress.max > 0 ? next.progress.value / next.progress.max : 0
    error.value = next.state !== 'succeeded' && isTerminal(next.state) ? next.error : null
    if (next.state !== 'succeeded')
      result.value = undefined
    else if (!result.value || result.value.outputs !== next.outputs || result.value.promptId !== next.promptId)
      result.value = resultOf(client, id, next)
  }

  let unsubscribe = (): void => {}
  watch(() => idOf(toValue(source)), (id) => {
    unsubscribe()
    unsubscribe = () => {}
    task.value = undefined
    progress.value = 0
    result.value = undefined
    error.value = null
    isPending.value = false
    const given = toValue(source)
    if (id === undefined || !given)
      return
    unsubscribe = client.observe(id, next => update(id, next))
    // Read after subscribing: no change can fall between the two.
    const now = currentTask(client, given, id)
    if (now)
      update(id, now)
  }, { immediate: true, flush: 'sync' })
  onScopeDispose(() => unsubscribe())

  return { task, progress, result, error, isPending }
}
