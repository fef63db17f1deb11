import { InvalidServerUrlError } from './errors'

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
    throw new InvalidServerUrlError(input, 'it is not an absolute URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidServerUrlError(input, `the scheme "${url.protocol}" is not allowed`)
  // Credentials in a URL leak into logs and error messages; tokens belong in the server's `headers` or `token`.
  if (url.username || url.password)
    throw new InvalidServerUrlError(input, 'it contains credentials; pass them as `token` or `headers` of the server instead')
  if (url.search || url.hash)
    throw new InvalidServerUrlError(input, 'it has a query or a fragment; give the server\'s base URL only')
  const path = url.pathname.replace(/\/+$/, '')
  return `${url.protocol}//${url.host}${path}`
}

/** The WebSocket URL of a server for one client: `ws(s)://host[/prefix]/ws?clientId=…`. */
export function serverWsUrl(server: string, clientId: string): string {
  const url = new URL(`${server}/ws`)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.searchParams.set('clientId', clientId)
  return url.toString()
}

/** The URL of an image on a server's `/view` route. */
export function serverViewUrl(server: string, image: { filename: string, subfolder?: string, type?: string }): string {
  const params = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder ?? '', type: image.type ?? 'output' })
  return `${server}/view?${params.toString()}`
}

/**
 * Which configured server a full URL belongs to, or `undefined`. A URL belongs to a server when it has the same
 * origin and its path starts with the server's path prefix.
 */
export function serverOfUrl(url: string, servers: Iterable<string>): string | undefined {
  // Fast path: URLs built from a normalized server string start with it verbatim.
  let best: string | undefined
  for (const server of servers) {
    if ((url.startsWith(server) && (url.length === server.length || url[server.length] === '/' || url[server.length] === '?')) && (best === undefined || server.length > best.length))
      best = server
  }
  if (best !== undefined)
    return best
  let parsed: URL
  try {
    parsed = new URL(url)
  }
  catch {
    return undefined
  }
  for (const server of servers) {
    if (isUrlOnServer(parsed, server) && (best === undefined || server.length > best.length))
      best = server
  }
  return best
}

/** Is `url` on `server` (same origin, path under the server's prefix)? */
export function isUrlOnServer(url: string | URL, server: string): boolean {
  if (typeof url === 'string' && url.startsWith(server) && (url.length === server.length || url[server.length] === '/' || url[server.length] === '?'))
    return true
  let parsed: URL
  let base: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : url
    base = new URL(server)
  }
  catch {
    return false
  }
  if (parsed.origin !== base.origin)
    return false
  const prefix = base.pathname.replace(/\/+$/, '')
  return prefix === '' || parsed.pathname === prefix || parsed.pathname.startsWith(`${prefix}/`)
}

/** The origin plus path prefix a URL would be said to target, for error messages. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`
  }
  catch {
    return url
  }
}
