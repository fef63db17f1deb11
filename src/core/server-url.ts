import { InvalidServerUrlError } from './errors'
import { redactUrl } from './redact-url'

export { redactUrl } from './redact-url'

/**
 * Normalizes a server's base URL to one canonical string, so that `http://A:8188/`, `http://a:8188` and
 * `HTTP://a:8188//` name the same server. The result has no trailing slash, no query, hash or credentials.
 *
 * @throws InvalidServerUrlError for anything but an absolute http(s) URL, and for URLs with credentials.
 */
export function normalizeServerUrl(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '')
    throw new InvalidServerUrlError(input, 'expected a non-empty string')
  let url: URL
  try {
    url = new URL(input.trim())
  }
  catch {
    throw new InvalidServerUrlError(redactUrl(input), 'it is not an absolute URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidServerUrlError(redactUrl(input), `the scheme "${url.protocol}" is not allowed`)
  // Credentials in a URL leak into logs and error messages; tokens belong in the server's `headers` or `token`. (The
  // advice after a reason is for development builds, written out at each message, the form a minifier folds.)
  if (url.username || url.password)
    throw new InvalidServerUrlError(redactUrl(input), `it contains credentials${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? '; pass them as `token` or `headers` of the server instead' : ''}`)
  if (url.search || url.hash)
    throw new InvalidServerUrlError(redactUrl(input), `it has a query or a fragment${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? '; give the server\'s base URL only' : ''}`)
  return canonicalOf(url)
}

/** A parsed URL written as `normalizeServerUrl` writes a server: scheme, host, path without trailing slashes. */
function canonicalOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}

/** A credential sent as a query parameter, for what a browser opens itself (sockets, `<img src>`). */
export interface QueryCredential {
  /** The parameter's name, e.g. `'token'`. */
  param: string
  /** Its value (a secret). */
  value: string
}

/** The WebSocket URL of a server for one client: `ws(s)://host[/prefix]/ws?clientId=…[&<param>=<token>]`. */
export function serverWsUrl(server: string, clientId: string, credential?: QueryCredential): string {
  const url = new URL(`${server}/ws`)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.searchParams.set('clientId', clientId)
  if (credential)
    url.searchParams.set(credential.param, credential.value)
  return url.toString()
}

/** The URL of an image on a server's `/view` route (with the server's query credential, if it has one). */
export function serverViewUrl(server: string, image: { filename: string, subfolder?: string, type?: string }, credential?: QueryCredential): string {
  const params = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder ?? '', type: image.type ?? 'output' })
  if (credential)
    params.set(credential.param, credential.value)
  return `${server}/view?${params.toString()}`
}

/** A request target resolved as the adapter will resolve it, or why it cannot be sent. */
export type ResolvedTarget = { ok: true, url: URL } | { ok: false, reason: string }

const SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:'])

/**
 * Resolves a target exactly as `fetch`, XHR and Node's `http` adapter do (WHATWG `URL`, against `base` when given:
 * the page for browsers): scheme-relative `//host`, backslashes, dot segments (`..`, `%2e%2e`), case and default ports
 * all end up in the result. Refused: what does not parse, schemes other than http(s)/ws(s), and userinfo (it would
 * replace the server's `Authorization`, and `http://server@other/` names another host).
 */
export function resolveTarget(target: string, base?: string): ResolvedTarget {
  let url: URL
  try {
    url = new URL(target, base)
  }
  catch {
    return { ok: false, reason: base === undefined ? 'it is not an absolute URL' : 'it is not a valid URL' }
  }
  if (!SCHEMES.has(url.protocol))
    return { ok: false, reason: `the scheme "${url.protocol}" is not one of http, https, ws, wss` }
  if (url.username || url.password)
    return { ok: false, reason: 'it has credentials (userinfo) before the host' }
  return { ok: true, url }
}

/** A string resolved by {@link resolveTarget}, a `URL` taken as it is. */
function resolvedOf(url: string | URL): ResolvedTarget {
  return typeof url === 'string' ? resolveTarget(url) : { ok: true, url }
}

interface ServerBase {
  origin: string
  path: string
  /** The string is what `normalizeServerUrl` makes of it and its path has no `%`: string prefix tests are exact on it. */
  canonical: boolean
}

const bases = new Map<string, ServerBase | null>()

function baseOf(server: string): ServerBase | null {
  let base = bases.get(server)
  if (base === undefined) {
    const resolved = resolveTarget(server)
    base = resolved.ok ? baseOfUrl(server, resolved.url) : null
    if (bases.size > 256)
      bases.clear()
    bases.set(server, base)
  }
  return base
}

function baseOfUrl(server: string, url: URL): ServerBase {
  const path = url.pathname.replace(/\/+$/, '')
  const http = url.protocol === 'http:' || url.protocol === 'https:'
  const canonical = http && !url.search && !url.hash && !path.includes('%') && server === canonicalOf(url)
  return { origin: originOf(url), path, canonical }
}

/**
 * Can string tests stand in for the URL model on this server? Only for a server in canonical form (as
 * `normalizeServerUrl` returns it) without `%` in its path: its own string is then how the adapter writes its URLs,
 * and no decoding proxy reads its prefix differently.
 */
export function isCanonicalServer(server: string): boolean {
  return baseOf(server)?.canonical === true
}

/** The origin a socket or HTTP URL reaches, with ws(s) counted as http(s) (same host, same default ports). */
function originOf(url: URL): string {
  const protocol = url.protocol === 'ws:' ? 'http:' : url.protocol === 'wss:' ? 'https:' : url.protocol
  return `${protocol}//${url.host}`
}

function under(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`)
}

const ENCODED_SEPARATOR = /%(?:2f|5c|2e|25)/gi

/**
 * A reverse proxy that percent-decodes before routing (nginx does) reads `/a/..%2fb` as `/b`: a target is under a
 * base only if it also is in every such decoded reading.
 */
function underWhenDecoded(url: URL, prefix: string): boolean {
  let path = url.pathname
  for (let pass = 0; pass < 3 && path.includes('%'); pass++) {
    const decoded = path.replace(ENCODED_SEPARATOR, code => String.fromCharCode(Number.parseInt(code.slice(1), 16)))
    if (decoded === path)
      return true
    path = decoded
    // Concatenated, not resolved against a base: a decoded `//host` must stay a path.
    if (!under(new URL(`http://x${path}`).pathname, prefix))
      return false
  }
  return true
}

/**
 * Is `url` from `at` up to its first `?` or `#` (the rest is query or fragment) free of dots, percent signs,
 * backslashes and control characters? Then nothing there can climb out of a path or be read differently by a
 * decoding proxy. One test for a request's plain path and for the rest of a URL after its server.
 */
export function plainFrom(url: string, at: number): boolean {
  for (let i = at; i < url.length; i++) {
    const c = url.charCodeAt(i)
    if (c === 63 || c === 35) // '?', '#'
      return true
    if (c === 46 || c === 37 || c === 92 || c < 32) // '.', '%', '\', control
      return false
  }
  return true
}

/** Can nothing after a normalized server string move the URL off it? It goes on with `/`, `?`, `#` or ends, then plain. */
function safeRest(url: string, at: number): boolean {
  const next = url.charCodeAt(at)
  return (at === url.length || next === 47 || next === 63 || next === 35) && plainFrom(url, at) // '/', '?', '#'
}

/**
 * Which configured server owns a URL, or `undefined`: its resolved origin is the server's and its resolved path is
 * under the server's base path on a segment boundary (`/a` owns `/a/x`, not `/ab`), read as the adapter reads it
 * and as a decoding proxy would. The longest base wins when servers nest. This one rule decides for requests,
 * redirects, sockets and `/view` URLs.
 */
export function serverOfUrl(url: string | URL, servers: Iterable<string>): string | undefined {
  let best: string | undefined
  if (typeof url === 'string') {
    // Fast path: a URL built from a normalized server string, whose rest cannot move it.
    // Any configured server that is not canonical, or a match under a longer server, sends the URL to the full model.
    let plain = true
    for (const server of servers) {
      if (!isCanonicalServer(server))
        plain = false
      else if (url.startsWith(server) && safeRest(url, server.length) && (best === undefined || server.length > best.length))
        best = server
    }
    if (best !== undefined && plain)
      return best
  }
  const resolved = resolvedOf(url)
  return resolved.ok ? ownerOf(resolved.url, servers) : undefined
}

/** The configured server that owns a resolved URL (see {@link serverOfUrl}). */
export function ownerOf(url: URL, servers: Iterable<string>): string | undefined {
  if (url.username || url.password || !SCHEMES.has(url.protocol))
    return undefined
  const origin = originOf(url)
  let best: string | undefined
  let bestLength = -1
  for (const server of servers) {
    const base = baseOf(server)
    if (base && base.origin === origin && base.path.length > bestLength && under(url.pathname, base.path) && underWhenDecoded(url, base.path)) {
      best = server
      bestLength = base.path.length
    }
  }
  return best
}

/** Is `url` owned by `server` (see {@link serverOfUrl})? */
export function isUrlOnServer(url: string | URL, server: string): boolean {
  return serverOfUrl(url, [server]) === server
}

/** The origin plus path a URL would be said to target, for error messages: never its query, fragment or userinfo. */
export function describeTarget(url: string | URL): string {
  const resolved = resolvedOf(url)
  if (resolved.ok)
    return `${resolved.url.origin === 'null' ? resolved.url.protocol : resolved.url.origin}${resolved.url.pathname}`
  const text = redactUrl(String(url))
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
