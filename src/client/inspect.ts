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
import { configuredServer } from '../core/server-identity'
import { describeTarget, serverOfUrl, serverViewUrl } from '../core/server-url'
import type { createImageLoader } from '../http/load-image'
import type { createInspectReads } from './inspect-reads'
import { ChunkLoadError, lazyChunk } from '../core/lazy-chunk'
import { backgroundPart } from './load-background'

export type { UploadImageOptions } from './upload-image'

const loadUpload = lazyChunk('uploadImage()', () => import('./upload-image'))

/**
 * Images, the debug trio (debugLock, validateServerConsistency, checkUnlockCondition), release and capability checks;
 * the trio and the capability reads are inspect-reads.ts, in the background chunk.
 */
export function createInspection(engine: Engine, placement: ReturnType<typeof createPlacement>, images: ReturnType<typeof createImageLoader>) {
  const { state, serverUrls } = engine

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

  const reads = backgroundPart(parts => parts.createInspectReads(engine, getApiBaseUrl))
  /** The reads now, synchronously; before their chunk is there, a `ChunkLoadError` (and the load tried again if it failed). */
  function loadedReads(): ReturnType<typeof createInspectReads> {
    const now = reads.now()
    if (now)
      return now
    reads.when().catch(() => {})
    throw new ChunkLoadError('debug helpers', { pending: true })
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
    // The debug trio answers at once once the background chunk is loaded (in the background from the client's creation).
    validateServerConsistency: (operation?: string, promptId?: string): ServerConsistency => loadedReads().validateServerConsistency(operation, promptId),
    checkUnlockCondition: (server?: string): UnlockCondition => loadedReads().checkUnlockCondition(server),
    debugLock: (promptId?: string): LockDebugInfo => loadedReads().debugLock(promptId),
    /** Releases the lock (of the session, or of `server`) now. Refused with `LockBusyError` while its tasks are pending. */
    release(server?: string): void {
      const targets = server !== undefined ? [state.tethers.get(configuredServer(server, serverUrls, 'release'))].filter((t): t is ServerTether => !!t) : [...state.tethers.values()]
      for (const tether of targets) {
        const pending = state.pendingOn(tether.server).map(t => t.promptId)
        if (pending.length > 0) {
          const error = new LockBusyError(tether.server, pending)
          state.record('refuse', error.message, { server: tether.server, code: error.code })
          throw error
        }
      }
      for (const tether of targets) engine.closeTether(tether, 'released on request')
    },
    /** Reads again the node info cached for `server` (a configured server, as the URL model resolves it), or for every server. */
    refreshNodeInfo: async (server?: string): Promise<void> => reads.use(r => r.refreshNodeInfo(server)),
    /** What each server lacks to run `workflow` (`[]`: it can; `null`: unknown, e.g. never read and another server is locked). */
    canRunOn: async (workflow: ComfyWorkflow | UiWorkflow | WorkflowTemplate): Promise<Record<string, string[] | null>> => reads.use(r => r.canRunOn(workflow)),
  }
}
