import type { ObjectInfo, ObjectInfoNode } from '../core/object-info'

/**
 * How long node info read while no socket of ours watched its server is believed without a second look: a restart in
 * that time could not be seen (ComfyUI has no boot id; only a socket's hello, a reset prompt number or a forgotten
 * prompt tell one).
 */
export const UNWATCHED_TRUST_MS = 2000
/** Distinct contents of a class set kept as one shared object each (placement verdicts are cached per object). */
const MAX_SHARED = 256

/** How the cache reads a server: `GET /object_info/{class}` (`{}` when it has no such class), and the whole listing. */
export interface NodeInfoFetch {
  one: (server: string, nodeClass: string) => Promise<ObjectInfo>
  all: (server: string) => Promise<ObjectInfo>
  /** Is a socket of ours to `server` open now? Then a restart shows as its next hello. */
  watching: (server: string) => boolean
}

/**
 * The node definitions of each server, read and cached per class (a workflow needs the few classes it uses, not the
 * whole `/object_info`, ~743 KB on a bare ComfyUI 0.33). An entry is believed while nothing says the server restarted
 * since it was read; else it is read again on its next use.
 */
export interface NodeInfoCache {
  /**
   * The definitions of `classes` on `server` (a class it lacks is absent), from the cache or read now. The same content
   * gives the same object, on every server, so a verdict cached per object holds for all of them. `fresh` reads every
   * class again.
   */
  get: (server: string, classes: readonly string[], fresh?: boolean) => Promise<ObjectInfo>
  /** As `get`, synchronously from the cache (believed or not); `undefined` while a class was never read. */
  peek: (server: string, classes: readonly string[]) => ObjectInfo | undefined
  /** Would `get` answer without reading the server again? */
  believed: (server: string, classes: readonly string[]) => boolean
  /** The whole `GET /object_info` of `server` (an explicit call: `client.objectInfo()`); fills the per-class cache too. */
  all: (server: string) => Promise<ObjectInfo>
  /** Per server, the classes cached so far (seed ranges of templates are looked up there). */
  known: () => Iterable<ObjectInfo>
  /** A sign that `server` restarted (it forgot our prompts, its prompt numbers started again, it did not answer): read it again on next use. */
  suspect: (server: string) => void
  /** Reads the cached classes of `server` (or of every server) again now. */
  refresh: (servers: readonly string[]) => Promise<void>
  /** Every socket frame of `server`: the `status` with `sid` a server sends on connect counts as a hello. */
  noteFrame: (server: string, data: unknown) => void
  /**
   * We are closing our open socket to `server` (code 1000, a release): it watched the server until now, so what it
   * made believed counts as read now, unwatched. Call it before the socket stops being open; a socket that already
   * dropped (the server may be restarting) renews nothing.
   */
  noteCleanClose: (server: string) => void
}

interface ClassEntry {
  /** `undefined`: the server has no such class. */
  node: ObjectInfoNode | undefined
  /** Content id, equal for equal definitions on any server. */
  key: number
  readAt: number
  /** The server's hello count when read, and whether one of our sockets watched it then. */
  hellos: number
  watched: boolean
}

interface ServerNodes {
  classes: Map<string, ClassEntry>
  inFlight: Map<string, Promise<void>>
  hellos: number
  /** When the last hello came. */
  helloAt: number
  /** The last clean close of our socket while no hello came since (a read in flight then counts as read at it). */
  cleanClose: { at: number, hellos: number } | undefined
  /** Bumped by `suspect`, so a read that started before does not refill the cache. */
  generation: number
}

/** Creates the cache over its fetchers (normally `ComfyServerApi.objectInfo`). */
export function createNodeInfoCache(fetch: NodeInfoFetch, now: () => number = Date.now): NodeInfoCache {
  const servers = new Map<string, ServerNodes>()
  const contentKeys = new Map<string, number>()
  const shared = new Map<string, ObjectInfo>()

  function of(server: string): ServerNodes {
    let s = servers.get(server)
    if (!s) {
      s = { classes: new Map(), inFlight: new Map(), hellos: 0, helloAt: -Infinity, cleanClose: undefined, generation: 0 }
      servers.set(server, s)
    }
    return s
  }

  function keyOf(node: ObjectInfoNode | undefined): number {
    const text = node === undefined ? '' : JSON.stringify(node)
    let key = contentKeys.get(text)
    if (key === undefined) {
      key = contentKeys.size
      contentKeys.set(text, key)
    }
    return key
  }

  /** `watched`: a socket of ours was open when the read started, with `hellos` hellos seen by then. */
  function store(server: string, s: ServerNodes, name: string, node: ObjectInfoNode | undefined, watched: boolean, hellos: number): void {
    const entry = { node, key: keyOf(node), readAt: now(), hellos: s.hellos, watched }
    // That socket was closed by us while this read was in flight, with no hello since: as if read at the close.
    if (watched && !fetch.watching(server) && hellos === s.hellos && s.cleanClose?.hellos === s.hellos)
      Object.assign(entry, { readAt: s.cleanClose.at, watched: false })
    s.classes.set(name, entry)
  }

  /**
   * Believed: read while one of our sockets watched the server and that socket is still open (a restart would have
   * closed it), or read unwatched (or renewed by a clean close of ours) and either younger than `UNWATCHED_TRUST_MS`
   * or the first socket opened since said hello within that time of the read and is still open. Any later hello (a
   * reconnect) or a socket that closed since means: read it again.
   */
  function isBelieved(server: string, s: ServerNodes, entry: ClassEntry | undefined): boolean {
    if (!entry)
      return false
    const since = s.hellos - entry.hellos
    if (since === 0)
      return entry.watched ? fetch.watching(server) : now() - entry.readAt <= UNWATCHED_TRUST_MS
    return since === 1 && !entry.watched && s.helloAt - entry.readAt <= UNWATCHED_TRUST_MS && fetch.watching(server)
  }

  function read(server: string, s: ServerNodes, name: string): Promise<void> {
    let pending = s.inFlight.get(name)
    if (!pending) {
      const generation = s.generation
      const watched = fetch.watching(server)
      const hellos = s.hellos
      // A keep-alive connection the server dropped (a restart) fails the first request on it: one retry, GET is safe.
      pending = fetch.one(server, name).catch((error: unknown) => {
        if ((error as { cause?: { code?: unknown } } | null)?.cause?.code !== 'ECONNRESET')
          throw error
        return fetch.one(server, name)
      }).then((info) => {
        if (s.generation === generation)
          store(server, s, name, Object.hasOwn(info, name) ? info[name] : undefined, watched, hellos)
      }).finally(() => {
        if (s.inFlight.get(name) === pending)
          s.inFlight.delete(name)
      })
      s.inFlight.set(name, pending)
    }
    return pending
  }

  function assemble(s: ServerNodes, classes: readonly string[]): ObjectInfo | undefined {
    const names = [...new Set(classes)].sort()
    const parts: string[] = []
    for (const name of names) {
      const entry = s.classes.get(name)
      if (!entry)
        return undefined
      parts.push(`${name}\u0000${entry.key}`)
    }
    const fingerprint = parts.join('\u0001')
    let info = shared.get(fingerprint)
    if (!info) {
      const out: Record<string, ObjectInfoNode> = {}
      for (const name of names) {
        const node = s.classes.get(name)?.node
        if (node)
          out[name] = node
      }
      info = Object.freeze(out)
      if (shared.size >= MAX_SHARED)
        shared.delete(shared.keys().next().value as string)
      shared.set(fingerprint, info)
    }
    return info
  }

  function suspect(server: string): void {
    const s = of(server)
    s.classes.forEach((entry, name) => s.classes.set(name, { ...entry, readAt: -Infinity, hellos: -2 }))
    s.inFlight.clear()
    s.generation++
  }

  async function get(server: string, classes: readonly string[], fresh = false): Promise<ObjectInfo> {
    const s = of(server)
    const stale = [...new Set(classes)].filter(name => fresh || !isBelieved(server, s, s.classes.get(name)))
    if (fresh) {
      s.generation++
      s.inFlight.clear()
    }
    await Promise.all(stale.map(name => read(server, s, name)))
    // undefined: a suspect() while a class was first read, so it was not kept: read again
    return assemble(s, classes) ?? get(server, classes)
  }

  return {
    get,
    peek: (server, classes) => assemble(of(server), classes),
    believed(server, classes) {
      const s = of(server)
      return classes.every(name => isBelieved(server, s, s.classes.get(name)))
    },
    async all(server) {
      const s = of(server)
      const watched = fetch.watching(server)
      const hellos = s.hellos
      const generation = s.generation
      const info = await fetch.all(server)
      if (s.generation === generation) {
        for (const [name, node] of Object.entries(info)) store(server, s, name, node, watched, hellos)
      }
      return info
    },
    *known() {
      for (const s of servers.values()) {
        const out: Record<string, ObjectInfoNode> = {}
        s.classes.forEach((entry, name) => entry.node && (out[name] = entry.node))
        yield out
      }
    },
    suspect,
    async refresh(list) {
      await Promise.all(list.map(server => get(server, [...of(server).classes.keys()], true)))
    },
    noteFrame(server, data) {
      if (typeof data === 'string' && data.startsWith('{"type": "status"') && data.includes('"sid"')) {
        const s = of(server)
        s.hellos++
        s.helloAt = now()
        s.cleanClose = undefined
      }
    },
    noteCleanClose(server) {
      const s = servers.get(server)
      if (!s || !fetch.watching(server))
        return
      const at = now()
      s.classes.forEach((entry, name) => {
        if (isBelieved(server, s, entry))
          s.classes.set(name, { ...entry, readAt: at, hellos: s.hellos, watched: false })
      })
      s.cleanClose = { at, hellos: s.hellos }
    },
  }
}
