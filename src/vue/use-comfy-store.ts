import type { LockEvent } from '../core/lock-log'
import type { ServerLock } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { ComfyClientStateChange, ComfySocketState } from '../client/types'
import type { ComfyClient } from '../client/client-types'
import type { ComfyTaskHandle, SubmitOptions } from './store-types'
import { defineStore } from 'pinia'
import { computed, getCurrentScope, inject, markRaw, onScopeDispose, shallowRef, triggerRef } from 'vue'
import { InvalidArgumentError } from '../core/errors'
import { COMFY_CLIENT_KEY } from './keys'

export type { ComfyTaskHandle, ComfyTaskResult, LockDebugInfo, SubmitOptions } from './store-types'

/**
 * The comfy-tether store: the server lock(s), the socket(s), every task, and the lock event log. It owns the app's
 * client (`comfy-tether/client`) and shows its state as refs, fed by the client's `subscribe()`.
 *
 * @example
 * const comfy = useComfyStore()
 * const { result } = await comfy.submit(workflow, { images: { 1: file } })
 * const { imageUrls } = await result
 */
export const useComfyStore = /* @__PURE__ */ defineStore('comfy-tether', () => {
  const slot = inject(COMFY_CLIENT_KEY, null)
  // The explanations are for development builds (the check written out at each message, the form a minifier folds).
  if (!slot) {
    throw new InvalidArgumentError('INVALID_OPTIONS', typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'useComfyStore() was called before app.use(comfyPlugin, { servers }). Install the plugin after Pinia.'
      : 'useComfyStore(): install comfyPlugin first.')
  }
  if (!getCurrentScope()) {
    throw new InvalidArgumentError('INVALID_OPTIONS', typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'useComfyStore() must run inside Pinia (app.use(createPinia())).'
      : 'useComfyStore(): outside Pinia.')
  }
  const client = markRaw(slot.acquire())

  // ── state: refs fed by the client's subscribe() ────────────────────────────────────────────────────────────
  const clientId = shallowRef(client.clientId)
  const servers = shallowRef<ServerStatus[]>(client.servers as ServerStatus[])
  const tasks = shallowRef(client.tasks as Map<string, ComfyTask>)
  const log = shallowRef<LockEvent[]>(client.log as LockEvent[])
  const malformedFrames = shallowRef(client.malformedFrames)
  const previewUrls = shallowRef(client.previewUrls as Map<string, string>)
  const ready = shallowRef(client.ready)
  /** Bumped when the locks, sockets or outages change. */
  const tethers = shallowRef(0)

  const onChange: Record<ComfyClientStateChange, () => void> = {
    locks: () => tethers.value++,
    servers: () => void (servers.value = client.servers as ServerStatus[]),
    log: () => (log.value === client.log ? triggerRef(log) : void (log.value = client.log as LockEvent[])),
    ready: () => void (ready.value = client.ready),
    clientId: () => void (clientId.value = client.clientId),
    malformedFrames: () => void (malformedFrames.value = client.malformedFrames),
  }
  const unsubscribe = client.subscribe((event) => {
    if ('task' in event) {
      // A task changed (its state, preview or workflow view): the maps are the client's own, changed in place.
      triggerRef(tasks)
      if (previewUrls.value.size > 0 || event.task.preview !== null)
        triggerRef(previewUrls)
    }
    else {
      onChange[event.type]()
    }
  })
  onScopeDispose(() => {
    unsubscribe()
    slot.release(client) // disposes a client the plugin created; one the app gave is the app's to dispose
  })

  /** Reads every ref, so that a getter-like action called in a computed or a render re-runs on any change. */
  function track(): void {
    void [tasks.value, tethers.value, servers.value, clientId.value, malformedFrames.value]
  }
  /** A computed over a value of the client, re-read when `source` changes. */
  function derived<T>(source: () => unknown, read: () => T) {
    return computed(() => {
      source()
      return read()
    })
  }

  const locks = derived(() => tethers.value, (): ServerLock[] => client.locks)
  const lock = derived(() => tethers.value, (): ServerLock | null => client.lock)
  const sockets = derived(() => tethers.value, (): Record<string, ComfySocketState> => client.sockets)
  const socket = derived(() => tethers.value, (): ComfySocketState => client.socket)
  const unreachableSince = derived(() => tethers.value, () => client.unreachableSince)
  const socketUnavailable = derived(() => tethers.value, () => client.socketUnavailable)
  const pendingCount = derived(() => tasks.value, () => client.pendingCount)
  const taskList = derived(() => tasks.value, () => client.taskList)

  /** The client's actions, handed out as they are. */
  const delegated: Pick<ComfyClient, typeof DELEGATED[number]> = pickFrom(client, DELEGATED)
  /** The client's reads, which also read the store's refs, so that a computed or a render calling one re-runs on a change. */
  const trackedReads = {} as Pick<ComfyClient, typeof TRACKED_READS[number]>
  for (const key of TRACKED_READS) {
    const read = client[key] as (...args: unknown[]) => unknown
    Object.assign(trackedReads, { [key]: (...args: unknown[]) => (track(), read(...args)) })
  }

  /**
   * Submits a workflow, or a template with its values (`submit(tpl, { prompt, seed: 'random' })`): locks a server that
   * can run it (or uses the locked one), uploads `images` there, queues the workflow there under a prompt id minted
   * here, and follows it to the end. Invalid input, template values, capability and validation errors are rejected
   * before anything is sent. Resolves once the task has its server; `result` settles when the task ends. A UI-format
   * workflow (ComfyUI's "Save") is converted with the `/object_info` of each candidate server; the chosen one's prompt is sent.
   */
  async function submit(workflow: ComfyWorkflow | UiWorkflow, submitOptions?: SubmitOptions): Promise<ComfyTaskHandle>
  async function submit<P extends string>(template: WorkflowTemplate<P>, values: WorkflowValues<P>, submitOptions?: SubmitOptions): Promise<ComfyTaskHandle>
  async function submit(first: ComfyWorkflow | UiWorkflow | WorkflowTemplate, second?: unknown, third?: SubmitOptions): Promise<ComfyTaskHandle> {
    const handle = await (client.submit as (a: unknown, b?: unknown, c?: SubmitOptions) => ReturnType<typeof client.submit>)(first, second, third)
    return {
      promptId: handle.promptId,
      task: derived(() => tasks.value, () => handle.task),
      workflow: derived(() => tasks.value, () => handle.workflow),
      result: handle.result,
    }
  }

  return {
    // state
    clientId,
    servers,
    tasks,
    log,
    malformedFrames,
    previewUrls,
    ready,
    // getters
    affinity: computed(() => client.affinity),
    lock,
    locks,
    socket,
    sockets,
    unreachableSince,
    socketUnavailable,
    pendingCount,
    taskList,
    // actions: the client's own (their TSDoc is the client's), the reads among them tracked for computeds and renders
    submit,
    ...delegated,
    ...trackedReads,
    /** @internal the axios instance, for `useComfyHttp()`. */
    _httpInstance: () => client.http,
  }
})

/** The client's actions the store hands out as they are. */
const DELEGATED = ['canRunOn', 'objectInfo', 'refreshNodeInfo', 'cancel', 'uploadImage', 'loadImage', 'release', 'abandon', 'refreshServers', 'reconcileNow'] as const
/** The client's reads the store tracks (its refs are read first). */
const TRACKED_READS = ['taskWorkflow', 'viewUrl', 'getApiBaseUrl', 'validateServerConsistency', 'checkUnlockCondition', 'debugLock'] as const

function pickFrom<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>
  for (const key of keys) picked[key] = source[key]
  return picked
}

/** The store's type. */
export type ComfyStore = ReturnType<typeof useComfyStore>
