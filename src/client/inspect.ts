import type { ComfyImageRef } from '../core/api-types'
import type { ServerConsistency, UnlockCondition } from '../core/server-lock'
import type { ComfyTask } from '../core/task-state'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { WorkflowTemplate } from '../core/workflow-template'
import type { LoadedImage } from '../http/load-image'
import type { Engine } from './engine'
import type { createPlacement } from './placement'
import type { ServerTether } from './server-tether'
import type { LockDebugInfo } from './types'
import type { UploadImageOptions } from './upload-image'
import { InvalidServerUrlError, LockBusyError, NoServerAvailableError } from '../core/errors'
import { checkServerConsistency, checkUnlockCondition as unlockRule } from '../core/server-lock'
import { configuredServer } from '../core/server-identity'
import { describeTarget, redactUrl, serverOfUrl, serverViewUrl } from '../core/server-url'
import type { createImageLoader } from '../http/load-image'
import { lazyChunk } from '../core/lazy-chunk'
import { loadWorkflowChecks } from './load-workflow-checks'

export type { UploadImageOptions } from './upload-image'

const loadUpload = lazyChunk('uploadImage()', () => import('./upload-image'))

/** Images, the debug trio (debugLock, validateServerConsistency, checkUnlockCondition), release and capability checks. */
export function createInspection(engine: Engine, placement: ReturnType<typeof createPlacement>, images: ReturnType<typeof createImageLoader>) {
  const { state, sessionMode, serverUrls, options, objectInfos } = engine

  /**
   * The server a call made now goes to: a task's own server when `promptId` is given; the locked server while the
   * session lock holds; otherwise the server a new task would most likely get (from the last health checks).
   */
  function getApiBaseUrl(promptId?: string): string | undefined {
    if (promptId !== undefined)
      return engine.cache.get(promptId)?.server
    return placement.likelyServer()
  }

  /** Uploads an image of the app's own to the locked server (or the one a new task would use); loads its code on first use. */
  async function uploadImage(file: Blob, uploadOptions?: UploadImageOptions): Promise<{ name: string, subfolder: string, type: string, server: string }> {
    return (await loadUpload()).uploadImage(engine, placement, file, uploadOptions)
  }

  /** The configured server an image is on: the task's, the one given (resolved by the URL model), or where calls go now. */
  function imageServer(caller: string, taskOrServer: ComfyTask | string | undefined): string {
    const given = typeof taskOrServer === 'string' ? taskOrServer : taskOrServer?.server ?? getApiBaseUrl()
    if (!given)
      throw new NoServerAvailableError(serverUrls, { [caller]: `${caller}() needs a server: pass the task the image belongs to` })
    const server = serverOfUrl(given, serverUrls)
    if (!server)
      throw new InvalidServerUrlError(describeTarget(given), `${caller}() refused it: it is not a configured server (${serverUrls.join(', ')})`)
    return server
  }

  function socketServerOf(tether: ServerTether | undefined): string | undefined {
    const ws = tether?.ws
    return ws && tether.socket.status !== 'CLOSED' ? serverOfUrl(ws.url, serverUrls) : undefined
  }

  function pendingIdsOn(tether: ServerTether | undefined): string[] {
    return tether ? state.pendingOn(tether.server).map(t => t.promptId) : []
  }

  return {
    getApiBaseUrl,
    uploadImage,
    /** The `/view` URL of an image on a task's server (or, without a task, on the server calls go to now), with the server's query credential if it has `auth.query`. */
    viewUrl(image: ComfyImageRef, taskOrServer?: ComfyTask | string): string {
      const server = imageServer('viewUrl', taskOrServer)
      return serverViewUrl(server, image, engine.credentials.get(server))
    },
    /** Loads an image with its server's headers into a revocable object URL, for servers that take no query credential. */
    async loadImage(image: ComfyImageRef, taskOrServer?: ComfyTask | string): Promise<LoadedImage> {
      return images.load(imageServer('loadImage', taskOrServer), image, typeof taskOrServer === 'object' ? taskOrServer.promptId : undefined)
    },
    /** Do the lock, the socket and the API base URL agree (for the session lock, or for one task's server)? */
    validateServerConsistency(operation = 'check', promptId?: string): ServerConsistency {
      if (promptId !== undefined) {
        const server = getApiBaseUrl(promptId)
        const tether = server === undefined ? undefined : state.tethers.get(server)
        if (!tether)
          return { consistent: true, server: server ?? null, operation }
        return checkServerConsistency({ lock: tether.lock, apiServer: server, socketServer: socketServerOf(tether), pendingCount: pendingIdsOn(tether).length, operation })
      }
      if (!sessionMode) {
        for (const tether of state.tethers.values()) {
          const verdict = checkServerConsistency({ lock: tether.lock, apiServer: tether.server, socketServer: socketServerOf(tether), pendingCount: pendingIdsOn(tether).length, operation })
          if (!verdict.consistent)
            return verdict
        }
        return { consistent: true, server: null, operation }
      }
      return checkServerConsistency({ lock: state.lock, apiServer: getApiBaseUrl(), socketServer: socketServerOf(state.sessionTether()), pendingCount: engine.cache.pendingCount, operation })
    },
    /** May the lock (of the session, or of one server) be released now? */
    checkUnlockCondition(server?: string): UnlockCondition {
      const tether = server === undefined ? state.sessionTether() ?? state.tethers.values().next().value : state.tethers.get(configuredServer(server, serverUrls, 'checkUnlockCondition'))
      return unlockRule(tether?.lock ?? null, pendingIdsOn(tether))
    },
    /** A plain snapshot of the locks, sockets and pending tasks, for the console (one task's view with `promptId`). */
    debugLock(promptId?: string): LockDebugInfo {
      const taskServer = promptId === undefined ? undefined : getApiBaseUrl(promptId)
      const tether = taskServer !== undefined ? state.tethers.get(taskServer) : state.sessionTether()
      const pending = Array.from(engine.cache.pending(), t => t.snapshot).filter(t => taskServer === undefined || t.server === taskServer).sort((a, b) => a.createdAt - b.createdAt)
      return {
        affinity: options.affinity,
        lock: state.lock,
        locks: state.locks,
        clientId: state.clientId,
        socket: tether ? { ...tether.socket, url: tether.ws ? redactUrl(tether.ws.url) : null } : null,
        sockets: state.sockets,
        pending: pending.map(t => ({ promptId: t.promptId, state: t.state, server: t.server })),
        unreachableSince: state.unreachableSince,
        malformedFrames: state.malformedFrames,
      }
    },
    /** Releases the lock (of the session, or of `server`) now. Refused with `LockBusyError` while its tasks are pending. */
    release(server?: string): void {
      const targets = server !== undefined ? [state.tethers.get(configuredServer(server, serverUrls, 'release'))].filter((t): t is ServerTether => !!t) : [...state.tethers.values()]
      for (const tether of targets) {
        const pending = pendingIdsOn(tether)
        if (pending.length > 0) {
          const error = new LockBusyError(tether.server, pending)
          state.record('refuse', error.message, { server: tether.server, code: error.code })
          throw error
        }
      }
      for (const tether of targets) engine.closeTether(tether, 'released on request')
    },
    /** Reads again the node info cached for `server` (a configured server, as the URL model resolves it), or for every server. */
    async refreshNodeInfo(server?: string): Promise<void> {
      await objectInfos.refresh(server === undefined ? serverUrls : [configuredServer(server, serverUrls, 'refreshNodeInfo')])
    },
    /** What each server lacks to run `workflow` (`[]`: it can; `null`: unknown, e.g. never read and another server is locked). */
    async canRunOn(workflow: ComfyWorkflow | UiWorkflow | WorkflowTemplate): Promise<Record<string, string[] | null>> {
      const held = sessionMode ? state.heldSessionServer() : undefined
      const { lacksByServer } = await loadWorkflowChecks()
      return lacksByServer(workflow, serverUrls, (server, classes) => !held || held === server ? objectInfos.get(server, classes).catch(() => undefined) : objectInfos.peek(server, classes))
    },
  }
}
