// Two parts of the engine are in the background chunk (background.ts), which the client starts loading when it is
// created: the node info cache (what each server's `/object_info` says of the classes a workflow uses) and
// the reader of a server's queue (the jobs API or `GET /queue`). Every read of either is asynchronous and waits for the
// chunk. What the engine tells them synchronously before it is there changes nothing, since it only qualifies what was
// read already, and nothing can be read before they exist: a socket's hello, a clean close, a sign of a restart (the
// cache) or a server that may come back as another version (the queue: which servers have the jobs API).
import type { ComfyApi } from '../http/comfy-api'
import type { ObjectInfo } from '../core/object-info'
import type { NodeInfoCache, NodeInfoFetch } from './node-info-cache'
import type { ServerQueue } from './server-queue'
import { loadBackground as load } from './load-background'

/**
 * `createNodeInfoCache` of node-info-cache.ts, its code loaded in the background from now on (a failed load is tried
 * again by the next read, which rejects with a `ChunkLoadError` if it fails again).
 */
export function createLazyNodeInfoCache(fetch: NodeInfoFetch): NodeInfoCache {
  let cache: NodeInfoCache | undefined
  const loaded = (): Promise<NodeInfoCache> => load().then(chunk => cache ??= chunk.createNodeInfoCache(fetch))
  loaded().catch(() => {}) // the next read tries again and rejects with the error
  return {
    get: async (server, classes, fresh) => (cache ?? await loaded()).get(server, classes, fresh),
    peek: (server, classes) => cache?.peek(server, classes),
    believed: (server, classes) => cache ? cache.believed(server, classes) : classes.length === 0,
    all: async server => (cache ?? await loaded()).all(server),
    known: () => cache?.known() ?? ([] as ObjectInfo[]),
    suspect: server => cache?.suspect(server),
    refresh: async servers => (cache ?? await loaded()).refresh(servers),
    noteFrame: (server, data) => cache?.noteFrame(server, data),
    noteCleanClose: server => cache?.noteCleanClose(server),
  }
}

/** `createServerQueue` of server-queue.ts, its code loaded in the background from now on (as the node info cache). */
export function createLazyServerQueue(api: ComfyApi): ServerQueue {
  let queue: ServerQueue | undefined
  const loaded = (): Promise<ServerQueue> => load().then(chunk => queue ??= chunk.createServerQueue(api))
  loaded().catch(() => {})
  return {
    waiting: async (server, promptId) => (queue ?? await loaded()).waiting(server, promptId),
    ended: async server => (queue ?? await loaded()).ended(server),
    cancel: async (server, promptId) => (queue ?? await loaded()).cancel(server, promptId),
    hasJobsApi: server => queue?.hasJobsApi(server),
    forget: server => queue?.forget(server),
  }
}
