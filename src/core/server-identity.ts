import { InvalidArgumentError, InvalidServerUrlError } from './errors'
import { normalizeServerUrl, redactUrl } from './server-url'

/**
 * The ComfyUI a normalized server URL names: ComfyUI serves every route under `/api` too, so `http://h:8188/api`
 * is `http://h:8188`. Scheme, host case, default ports, trailing slashes and dot segments are already settled by
 * `normalizeServerUrl`. Different host names (`localhost`, `127.0.0.1`) stay different servers: only DNS knows.
 */
export function serverIdentity(normalizedUrl: string): string {
  return normalizedUrl.endsWith('/api') ? normalizedUrl.slice(0, -4) : normalizedUrl
}

/** Two configured URLs that name the same ComfyUI (its sockets would share one clientId and one of them go deaf). */
export class DuplicateServerError extends InvalidArgumentError {
  declare readonly code: 'INVALID_OPTIONS'
  constructor(readonly first: string, readonly second: string, readonly indices: readonly [number, number]) {
    super(
      'INVALID_OPTIONS',
      typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' // the explanation is for development
        ? `servers[${indices[1]}] ("${second}") is the same ComfyUI as servers[${indices[0]}] ("${first}"): both are ${serverIdentity(first)} (ComfyUI answers every route under /api too, and default ports, case and trailing slashes do not make another server). List each server once.`
        : `servers[${indices[1]}] ("${second}"): the same ComfyUI as servers[${indices[0]}] ("${first}")`,
    )
  }
}

/** Throws {@link DuplicateServerError} for the first two normalized URLs that name the same ComfyUI. */
export function assertDistinctServers(normalizedUrls: readonly string[]): void {
  const seen = new Map<string, { url: string, index: number }>()
  normalizedUrls.forEach((url, index) => {
    const identity = serverIdentity(url)
    const earlier = seen.get(identity)
    if (earlier)
      throw new DuplicateServerError(earlier.url, url, [earlier.index, index])
    seen.set(identity, { url, index })
  })
}

/**
 * The configured server `input` names, however it is spelled: normalized as a configured URL is (trailing slash, case
 * of scheme and host, default port, dot segments), then matched by {@link serverIdentity} (so `…/api` names its
 * server too). Every API that takes a server resolves it here.
 * @param input - the server as the app wrote it
 * @param servers - the configured (normalized) server URLs
 * @param caller - the API, for the message (`'abandon'`)
 * @throws InvalidServerUrlError when `input` is no http(s) URL or names no configured server
 */
export function configuredServer(input: unknown, servers: Iterable<string>, caller: string): string {
  const identity = serverIdentity(normalizeServerUrl(input))
  const list = [...servers]
  const found = list.find(server => serverIdentity(server) === identity)
  if (found === undefined)
    throw new InvalidServerUrlError(redactUrl(String(input)), `${caller}() refused it: it is not a configured server (${list.join(', ')})`)
  return found
}
