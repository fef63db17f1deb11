// The node info cache (what each server's `/object_info` says of the classes a workflow uses) is a chunk of its own:
// only submit's checks, canRunOn(), objectInfo() and refreshNodeInfo() read it, and each of them is asynchronous. The
// client starts loading it in the background when it is created. What the engine tells it synchronously before it is
// there (a socket's hello, a clean close, a sign of a restart) changes nothing: it only qualifies classes already read,
// and none can be read before the cache exists.
import type { ObjectInfo } from '../core/object-info'
import type { NodeInfoCache, NodeInfoFetch } from './node-info-cache'
import { lazyChunk } from '../core/lazy-chunk'

const load = lazyChunk('node info cache', () => import('./node-info-cache'))

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
