import type { ObjectInfo } from '../core/object-info'

/** Per-server `/object_info`, fetched once and forgotten when the server's socket says hello again (a reconnect, which every restart is). */
export interface ObjectInfoCache {
  /** The server's node definitions, from the cache or fetched now. */
  get: (server: string) => Promise<ObjectInfo>
  /** The cached definitions; `undefined` until fetched. */
  peek: (server: string) => ObjectInfo | undefined
  /** Every cached server's definitions. */
  known: () => IterableIterator<ObjectInfo>
  /** Forget one server's definitions (the next `get` fetches them again). */
  invalidate: (server: string) => void
  /** Every socket frame of `server`: the `status` with `sid` a server sends on connect, from the second one on, means a reconnect, and maybe a restart. */
  noteFrame: (server: string, data: unknown) => void
}

/** Creates the cache over a fetcher (normally `ComfyServerApi.objectInfo`). */
export function createObjectInfoCache(fetch: (server: string) => Promise<ObjectInfo>): ObjectInfoCache {
  const infos = new Map<string, ObjectInfo>()
  const inFlight = new Map<string, Promise<ObjectInfo>>()
  const hellos = new Map<string, number>()
  /** Bumped by invalidate, so a fetch that started before it does not refill the cache with stale data. */
  const generation = new Map<string, number>()

  function invalidate(server: string): void {
    infos.delete(server)
    inFlight.delete(server)
    generation.set(server, (generation.get(server) ?? 0) + 1)
  }

  return {
    get(server) {
      const cached = infos.get(server)
      if (cached)
        return Promise.resolve(cached)
      let pending = inFlight.get(server)
      if (!pending) {
        const gen = generation.get(server) ?? 0
        pending = fetch(server).then((info) => {
          if ((generation.get(server) ?? 0) === gen)
            infos.set(server, info)
          return info
        }).finally(() => {
          if (inFlight.get(server) === pending)
            inFlight.delete(server)
        })
        inFlight.set(server, pending)
      }
      return pending
    },
    peek: server => infos.get(server),
    known: () => infos.values(),
    invalidate,
    noteFrame(server, data) {
      if (typeof data !== 'string' || !data.startsWith('{"type": "status"') || !data.includes('"sid"'))
        return
      const seen = (hellos.get(server) ?? 0) + 1
      hellos.set(server, seen)
      if (seen > 1)
        invalidate(server)
    },
  }
}
