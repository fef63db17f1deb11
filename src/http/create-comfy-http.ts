import type { AxiosError, AxiosInstance, AxiosResponse, CreateAxiosDefaults, InternalAxiosRequestConfig } from 'axios'
import axios from 'axios'
import { ComfyTetherError, ProtocolError, ServerMismatchError } from '../core/errors'
import { checkRequestTarget } from '../core/server-lock'
import { createPlainPathOwner, isAbsoluteUrl, ownerOfRequest } from '../core/request-target'
import { describeTarget, redactUrl, serverOfUrl } from '../core/server-url'
import { UnresolvableTargetError } from '../core/target-errors'

/** What comfy-tether attaches to a request so the interceptor can check it. */
export interface ComfyRequestMeta {
  /** The task the request belongs to: it must go to that task's server. */
  promptId?: string
  /** A name for the call in errors and logs, e.g. `'POST /prompt'`. */
  operation?: string
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** comfy-tether's per-request data (task and operation). */
    comfy?: ComfyRequestMeta
  }
}

/** What the interceptor needs to know, read at every request. */
export interface ComfyHttpContext {
  /** The locked server, while the lock holds (see `lockedServerFor`). */
  lockedServer: () => string | undefined
  /** The server a task is tethered to. */
  taskServer: (promptId: string) => string | undefined
  /** Every configured server (normalized). */
  servers: () => readonly string[]
  /** Where a request with neither lock nor baseURL goes, if anywhere. */
  fallbackServer?: () => string | undefined
  /** Headers (tokens) of one server; only ever sent to that server. */
  headersFor?: (server: string) => Readonly<Record<string, string>> | undefined
  /** Called with every refusal, before the request is rejected. */
  onRefused?: (error: ComfyTetherError) => void
  /**
   * Called when a configured server answered a request (any status but a gateway's 502-504): it is reachable, whatever
   * its answer meant.
   */
  onAnswer?: (server: string) => void
}

/** Options of {@link createComfyHttp}. */
export interface CreateComfyHttpOptions extends ComfyHttpContext {
  /** Use this axios instance instead of creating one. Its interceptors are added and removed by `dispose()`. */
  http?: AxiosInstance
  /**
   * Defaults for the created instance. `withXSRFToken: false`: ComfyUI has no XSRF token, so the page's XSRF cookie is
   * not copied into a header (pass `withXSRFToken: true` for a same-origin proxy that wants it).
   * @default { timeout: 30000, maxRedirects: 0, withXSRFToken: false }
   */
  config?: CreateAxiosDefaults
}

type Owned = Record<symbol, string | undefined>

/** A proxy's answers for a server behind it that does not answer: not the server's own. */
const GATEWAY_STATUSES = new Set([502, 503, 504])

/** The instance and its stopper. */
export interface ComfyHttp {
  http: AxiosInstance
  /** Removes comfy-tether's interceptors. */
  dispose: () => void
}

/**
 * An axios instance that sends every request to the locked server: it injects the server as `baseURL` and rejects,
 * before anything is sent, a request whose final URL is on another server (`ServerMismatchError`), and a response
 * that was redirected off its server.
 */
export function createComfyHttp(options: CreateComfyHttpOptions): ComfyHttp {
  // withXSRFToken false also spares every request axios's same-origin check, which reads document.cookie and
  // document.baseURI (in happy-dom each such read leaves a cache entry on the document for good).
  const http = options.http ?? axios.create({ ...redirectRefusingDefaults(), withXSRFToken: false, timeout: 30_000, ...options.config })
  // The server each sent request was found to belong to, for the redirect check and for scrubbing its errors: noted on
  // the request's own config under this instance's symbol (a WeakMap entry per request cost over 1% of a loopback round
  // trip, in GC). Written on every request, so a config passed in again carries no stale owner.
  const ownerKey = Symbol('comfy-tether request owner')
  const ownerOf = (config: object | undefined): string | undefined => (config as Owned | undefined)?.[ownerKey]

  const plainPathOwner = createPlainPathOwner()

  const requestId = http.interceptors.request.use((config: InternalAxiosRequestConfig) => {
    const promptId = config.comfy?.promptId
    const locked = options.lockedServer()
    const taskServer = promptId !== undefined ? options.taskServer(promptId) : undefined
    const { url } = config
    let { baseURL } = config
    if (!baseURL && !isAbsoluteUrl(url)) {
      baseURL = taskServer ?? locked ?? options.fallbackServer?.()
      if (!baseURL)
        throw refuse(options, new ComfyTetherError('NO_SERVER_AVAILABLE', `${operationOf(config)} has no server: nothing is locked and no baseURL was given.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Submit a task first, or pass baseURL (one of the configured servers).' : ' Pass baseURL.'}`))
      config.baseURL = baseURL
    }
    const servers = options.servers()
    // The fast path answers as the full model does (pinned by tests/core/request-target.test.ts), or not at all.
    let owner = plainPathOwner(baseURL, url, servers)
    let requestedServer: string
    if (owner !== undefined) {
      requestedServer = owner
    }
    else {
      // Joined here as axios joins it, not by getUri(): its second merge of the defaults costs a fifth of a round trip.
      const target = ownerOfRequest(baseURL, url, config.allowAbsoluteUrls, servers, pageBase())
      if (!target.ok)
        throw refuse(options, new UnresolvableTargetError(describeTarget(String(target.target)), target.reason, operationOf(config)))
      owner = target.owner
      requestedServer = owner ?? describeTarget(target.url)
    }
    const expected = taskServer ?? locked
    if (expected !== undefined && expected !== requestedServer) {
      const mismatch = checkRequestTarget({ lockedServer: locked, taskServer, requestedServer, operation: operationOf(config), promptId })
      if (mismatch)
        throw refuse(options, mismatch)
    }
    const owned: Owned = config as object as Owned
    owned[ownerKey] = owner
    if (owner !== undefined) {
      const headers = options.headersFor?.(owner)
      if (headers) {
        for (const name in headers) config.headers.set(name, headers[name])
      }
    }
    return config
  }, undefined, { synchronous: true }) // no await inside: axios can skip a promise tick per request

  const responseId = http.interceptors.response.use((response: AxiosResponse) => {
    const finalUrl = responseUrl(response)
    const owner = ownerOf(response.config)
    if (finalUrl && owner !== undefined && serverOfUrl(finalUrl, options.servers()) !== owner)
      throw refuse(options, new ServerMismatchError(owner, describeTarget(finalUrl), `redirect of ${operationOf(response.config)}`, response.config.comfy?.promptId))
    if (owner !== undefined)
      options.onAnswer?.(owner)
    return response
  }, (error: unknown) => {
    if (!axios.isAxiosError(error))
      return Promise.reject(error)
    const owner = ownerOf(error.config)
    const status = error.response?.status
    if (owner !== undefined && status !== undefined && status >= 400 && !GATEWAY_STATUSES.has(status))
      options.onAnswer?.(owner)
    scrubAxiosError(error, owner === undefined ? undefined : options.headersFor?.(owner))
    // An opaque redirect (status 0) is what fetch with redirect: 'manual' gives for any redirect.
    if (error.response && ((error.response.status >= 300 && error.response.status < 400) || error.response.status === 0)) {
      const location = error.response.headers.location as unknown
      const where = typeof location === 'string' && location !== '' ? describeTarget(resolveAgainst(location, owner)) : 'another URL'
      return Promise.reject(new ProtocolError(owner ?? 'the server', `it redirected (${error.response.status}) to ${where}; ${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? 'comfy-tether does not follow redirects, because they can move a task to another host' : 'redirects are not followed'}`, { cause: error }))
    }
    return Promise.reject(error)
  })

  return {
    http,
    dispose() {
      http.interceptors.request.eject(requestId)
      http.interceptors.response.eject(responseId)
    },
  }
}

function operationOf(config: InternalAxiosRequestConfig): string {
  const { url } = config
  const shown = typeof url !== 'string' ? '' : isAbsoluteUrl(url) ? describeTarget(url) : redactUrl(url).slice(0, 200)
  return config.comfy?.operation ?? `${(config.method ?? 'get').toUpperCase()} ${shown}`
}

/**
 * A redirect can move a task's call to another host, so none is followed: Node's adapter gets `maxRedirects: 0`;
 * in browsers (whose XHR follows redirects silently) requests go through fetch with `redirect: 'manual'`.
 */
function redirectRefusingDefaults(): CreateAxiosDefaults {
  const browser = typeof window !== 'undefined' && typeof fetch === 'function'
  return browser ? { adapter: 'fetch', fetchOptions: { redirect: 'manual' } } : { maxRedirects: 0 }
}

function refuse(options: ComfyHttpContext, error: ComfyTetherError): ComfyTetherError {
  options.onRefused?.(error)
  return error
}

/** What a relative target is resolved against by fetch and XHR: the page (none in Node). */
function pageBase(): string | undefined {
  if (typeof window === 'undefined' || typeof document === 'undefined')
    return undefined
  return document.baseURI || window.location.href
}

function resolveAgainst(location: string, base: string | undefined): string {
  try {
    return new URL(location, base).href
  }
  catch {
    return location
  }
}

/**
 * An error of a request keeps no secret: the values of the headers comfy-tether added are replaced in its config,
 * basic-auth passwords too, and the raw request objects (which hold the sent header block) are hidden from
 * `JSON.stringify` and `util.inspect`.
 */
function scrubAxiosError(error: AxiosError, injected: Readonly<Record<string, string>> | undefined): void {
  const config = error.config
  if (config?.headers && injected) {
    for (const name in injected) {
      if (config.headers.has(name))
        config.headers.set(name, '[redacted]')
    }
  }
  if (config?.auth)
    config.auth = { username: config.auth.username, password: '[redacted]' }
  hide(error, 'request')
  if (error.response)
    hide(error.response, 'request')
}

function hide(target: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key)
  if (descriptor?.enumerable)
    Object.defineProperty(target, key, { ...descriptor, enumerable: false })
}

function responseUrl(response: AxiosResponse): string | undefined {
  const request = response.request as { responseURL?: unknown, res?: { responseUrl?: unknown } } | undefined
  const url = request?.responseURL ?? request?.res?.responseUrl
  return typeof url === 'string' && url !== '' ? url : undefined
}
