// Two parts of the engine are in the background chunk (background.ts), which the client starts loading when it is
// created: the node info cache (what each server's `/object_info` says of the classes a workflow uses) and
// the reader of a server's queue (the jobs API or `GET /queue`). Every read of either is asynchronous and waits for the
// chunk. What the engine tells them synchronously before it is there changes nothing, since it only qualifies what was
// read already, and nothing can be read before they exist: a socket's hello, a clean close, a sign of a restart (the
// cache) or a server that may come back as another version (the queue: which servers have the jobs API).
import type { ComfyApi } from '../http/comfy-api'
import type { NodeInfoCache, NodeInfoFetch } from './node-info-cache'
import type { ServerQueue } from './server-queue'
import { backgroundPart } from './load-background'

/**
 * `createNodeInfoCache` of node-info-cache.ts, its code loaded in the background from now on (a failed load is tried
 * again by the next read, which rejects with a `ChunkLoadError` if it fails again).
 */
export function createLazyNodeInfoCache(fetch: NodeInfoFetch): NodeInfoCache {
  const { now, use } = backgroundPart(chunk => chunk.createNodeInfoCache(fetch))
  return {
    get: async (server, classes, fresh) => use(c => c.get(server, classes, fresh)),
    peek: (server, classes) => now()?.peek(server, classes),
    believed: (server, classes) => now()?.believed(server, classes) ?? classes.length === 0,
    all: async server => use(c => c.all(server)),
    known: () => now()?.known() ?? [],
    suspect: server => now()?.suspect(server),
    refresh: async servers => use(c => c.refresh(servers)),
    noteFrame: (server, data) => now()?.noteFrame(server, data),
    noteCleanClose: server => now()?.noteCleanClose(server),
  }
}

/** `createServerQueue` of server-queue.ts, its code loaded in the background from now on (as the node info cache). */
export function createLazyServerQueue(api: ComfyApi): ServerQueue {
  const { now, use } = backgroundPart(chunk => chunk.createServerQueue(api))
  return {
    waiting: async (server, promptId) => use(q => q.waiting(server, promptId)),
    ended: async server => use(q => q.ended(server)),
    cancel: async (server, promptId) => use(q => q.cancel(server, promptId)),
    hasJobsApi: server => now()?.hasJobsApi(server),
    forget: server => now()?.forget(server),
  }
}
