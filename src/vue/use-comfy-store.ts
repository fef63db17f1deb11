import type { ComfyImageRef } from '../core/api-types'
import type { LockEvent } from '../core/lock-log'
import type { ServerLock } from '../core/server-lock'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { ComfyClientStateChange, ComfySocketState } from '../client/types'
import type { UploadImageOptions } from '../client/inspect'
import type { TaskWorkflowView } from '../client/workflow-insight'
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
  if (!slot)
    throw new InvalidArgumentError('INVALID_OPTIONS', 'useComfyStore() was called before app.use(comfyPlugin, { servers }). Install the plugin after Pinia.')
  if (!getCurrentScope())
    throw new InvalidArgumentError('INVALID_OPTIONS', 'useComfyStore() must run inside Pinia (app.use(createPinia())).')
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
    // actions
    submit,
    /** What each server lacks to run `workflow` (`[]`: it can; `null`: unknown, e.g. never read and another server is locked). */
    canRunOn: client.canRunOn,
    /** The whole `GET /object_info` of a server, read now (submits read and cache only the classes a workflow uses). */
    objectInfo: client.objectInfo,
    /** Reads again the node info cached for `server` (or every server), e.g. after installing nodes or copying models onto it. */
    refreshNodeInfo: client.refreshNodeInfo,
    /** The workflow view of a task (overall progress, queue position, ETA, outputs), if it was submitted by this store. */
    taskWorkflow: (promptId: string): TaskWorkflowView | undefined => (track(), client.taskWorkflow(promptId)),
    /**
     * Cancels a task on its own server: a queued task is deleted from the queue, a running one is interrupted (only
     * once `/queue` shows it is ours that runs). Resolves when the request was sent (the task becomes `cancelled` when
     * the server confirms); rejects with the typed error of a failed request.
     */
    cancel: client.cancel,
    /** Uploads an image of the app's own to the locked server (or the one a new task would use). */
    uploadImage: (file: Blob, uploadOptions?: UploadImageOptions) => client.uploadImage(file, uploadOptions),
    /** The `/view` URL of an image on a task's server (or, without a task, on the server calls go to now), with the server's query credential if it has `auth.query`. */
    viewUrl: (image: ComfyImageRef, taskOrServer?: ComfyTask | string): string => (track(), client.viewUrl(image, taskOrServer)),
    /** Loads an image with its server's headers into a revocable object URL, for servers that take no query credential. */
    loadImage: client.loadImage,
    /** The server a call made now goes to: a task's own server when `promptId` is given; the locked server while the session lock holds; otherwise the likely choice. */
    getApiBaseUrl: (promptId?: string) => (track(), client.getApiBaseUrl(promptId)),
    /** Do the lock, the socket and the API base URL agree (for the session lock, or for one task's server)? */
    validateServerConsistency: (operation?: string, promptId?: string) => (track(), client.validateServerConsistency(operation, promptId)),
    /** May the lock (of the session, or of one server) be released now? */
    checkUnlockCondition: (server?: string) => (track(), client.checkUnlockCondition(server)),
    /** A plain snapshot of the locks, sockets and pending tasks, for the console (one task's view with `promptId`). */
    debugLock: (promptId?: string) => (track(), client.debugLock(promptId)),
    /** Releases the lock (of the session, or of `server`) now. Refused with `LockBusyError` while its tasks are pending. */
    release: client.release,
    /** Gives up a locked server (all of them without `server`): its pending tasks end `lost` (`abandoned`) and the lock is released at once. */
    abandon: client.abandon,
    /** Asks `GET /prompt` of the servers (only the locked one while the session lock holds). */
    refreshServers: client.refreshServers,
    /** Asks each locked server about its pending tasks now. */
    reconcileNow: client.reconcileNow,
    /** @internal the axios instance, for `useComfyHttp()`. */
    _httpInstance: () => client.http,
  }
})

/** The store's type. */
export type ComfyStore = ReturnType<typeof useComfyStore>
