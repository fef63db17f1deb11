import { isCanonicalServer, ownerOf, plainFrom, resolveTarget } from './server-url'

/** axios's `isAbsoluteURL`: `scheme://` or scheme-relative `//`. */
export function isAbsoluteUrl(url: unknown): boolean {
  if (typeof url !== 'string')
    return false
  // Most targets are paths: `/x` cannot match, and the regular expression is the slower test.
  if (url.charCodeAt(0) === 47 && url.charCodeAt(1) !== 47) // '/', not '//'
    return false
  return /^(?:[a-z][a-z\d+\-.]*:)?\/\//i.test(url)
}

/**
 * The URL axios hands its adapter, as its `buildFullPath` and `combineURLs` compute it: the base joined to a relative
 * URL (or to any URL with `allowAbsoluteUrls: false`), else the URL as given.
 */
export function joinedTarget(baseURL: string | undefined, url: unknown, allowAbsoluteUrls: boolean | undefined): unknown {
  if (baseURL && (!isAbsoluteUrl(url) || allowAbsoluteUrls === false)) {
    if (!url)
      return baseURL
    if (typeof url !== 'string')
      return url
    return `${baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`
  }
  return url
}

/** Who a request's target belongs to by the full URL model, or why it cannot be sent. */
export type TargetOwner =
  | { ok: true, owner: string | undefined, url: URL }
  | { ok: false, target: unknown, reason: string }

/**
 * The full URL model for a request: the target joined as axios joins it, resolved as the adapter resolves it (against
 * `pageBase` in browsers), and owned by the configured server whose origin and path prefix it is in (see `ownerOf`).
 */
export function ownerOfRequest(baseURL: string | undefined, url: unknown, allowAbsoluteUrls: boolean | undefined, servers: readonly string[], pageBase?: string): TargetOwner {
  const target = joinedTarget(baseURL, url, allowAbsoluteUrls)
  if (typeof target !== 'string')
    return { ok: false, target, reason: 'the URL is not a string' }
  const resolved = resolveTarget(target, pageBase)
  if (!resolved.ok)
    return { ok: false, target, reason: resolved.reason }
  return { ok: true, owner: ownerOf(resolved.url, servers), url: resolved.url }
}

/**
 * Is `url` a plain absolute path: one leading `/`, then up to the first `?` or `#` no dot, percent sign, backslash or
 * control character? Joined to a server, such a path can neither leave the server's origin nor climb out of its prefix
 * (no dot segment, encoded or not; nothing a decoding proxy reads differently).
 */
export function isPlainPath(url: string): boolean {
  // '/', not '//' (it names a host; so does '/\', whose backslash plainFrom refuses)
  return url.charCodeAt(0) === 47 && url.charCodeAt(1) !== 47 && plainFrom(url, 1)
}

/**
 * The fast path of {@link ownerOfRequest}, for the request nearly every call is: a plain path (see {@link isPlainPath})
 * under a `baseURL` that is a configured server in canonical form with no other configured server nested under it.
 * Then the owner is that server, exactly as the full model says. Returns `undefined` for anything else: the caller
 * must then ask the full model. Each instance remembers the leaf servers of the last server list it saw.
 */
export function createPlainPathOwner(): (baseURL: string | undefined, url: unknown, servers: readonly string[]) => string | undefined {
  let lastList: readonly string[] = []
  let lastCopy: readonly string[] = []
  let leaves = new Set<string>()
  return (baseURL, url, servers) => {
    if (baseURL === undefined || typeof url !== 'string' || !isPlainPath(url))
      return undefined
    if (servers !== lastList) {
      // A getter may build a new array per call: compare the contents before recomputing.
      if (!sameItems(servers, lastCopy)) {
        leaves = leafServers(servers)
        lastCopy = [...servers]
      }
      lastList = servers
    }
    return leaves.has(baseURL) ? baseURL : undefined
  }
}

function sameItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length)
    return false
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i])
      return false
  }
  return true
}

/**
 * The servers no other configured server is nested under (`/a` is not one when `/a/b` is configured); none at all when
 * one of them is not canonical, since string prefixes could not tell what it nests under.
 */
function leafServers(servers: readonly string[]): Set<string> {
  if (!servers.every(isCanonicalServer))
    return new Set()
  return new Set(servers.filter(s => !servers.some(t => t.startsWith(`${s}/`))))
}
