import type { AxiosInstance, AxiosResponse, CreateAxiosDefaults, InternalAxiosRequestConfig } from 'axios'
import axios from 'axios'
import { ComfyTetherError, ProtocolError, ServerMismatchError } from '../core/errors'
import { checkRequestTarget } from '../core/server-lock'
import { describeTarget, isUrlOnServer, serverOfUrl } from '../core/server-url'

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
}

/** Options of {@link createComfyHttp}. */
export interface CreateComfyHttpOptions extends ComfyHttpContext {
  /** Use this axios instance instead of creating one. Its interceptors are added and removed by `dispose()`. */
  http?: AxiosInstance
  /** Defaults for the created instance. @default { timeout: 30000, maxRedirects: 0 } */
  config?: CreateAxiosDefaults
}

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
  const http = options.http ?? axios.create({ ...redirectRefusingDefaults(), timeout: 30_000, ...options.config })

  const requestId = http.interceptors.request.use((config: InternalAxiosRequestConfig) => {
    const meta = config.comfy ?? {}
    const operation = meta.operation ?? `${(config.method ?? 'get').toUpperCase()} ${config.url ?? ''}`
    const locked = options.lockedServer()
    const taskServer = meta.promptId !== undefined ? options.taskServer(meta.promptId) : undefined
    if (!config.baseURL && !isAbsolute(config.url)) {
      const server = taskServer ?? locked ?? options.fallbackServer?.()
      if (!server)
        throw refuse(options, new ComfyTetherError('NO_SERVER_AVAILABLE', `${operation} has no server: nothing is locked and no baseURL was given. Submit a task first, or pass baseURL (one of the configured servers).`))
      config.baseURL = server
    }
    const uri = requestUrl(config.baseURL, config.url)
    const requestedServer = serverOfUrl(uri, options.servers()) ?? describeTarget(uri)
    const mismatch = checkRequestTarget({ lockedServer: locked, taskServer, requestedServer, operation, promptId: meta.promptId })
    if (mismatch)
      throw refuse(options, mismatch)
    const headers = options.headersFor?.(requestedServer)
    if (headers) {
      for (const [name, value] of Object.entries(headers)) config.headers.set(name, value)
    }
    return config
  }, undefined, { synchronous: true }) // no await inside: axios can skip a promise tick per request

  const responseId = http.interceptors.response.use((response: AxiosResponse) => {
    const finalUrl = responseUrl(response)
    if (finalUrl) {
      const requested = serverOfUrl(requestUrl(response.config.baseURL, response.config.url), options.servers())
      if (requested && !isUrlOnServer(finalUrl, requested))
        throw refuse(options, new ServerMismatchError(requested, describeTarget(finalUrl), `redirect of ${response.config.comfy?.operation ?? response.config.url ?? 'request'}`, response.config.comfy?.promptId))
    }
    return response
  }, (error: unknown) => {
    // An opaque redirect (status 0) is what fetch with redirect: 'manual' gives for any redirect.
    if (axios.isAxiosError(error) && error.response && ((error.response.status >= 300 && error.response.status < 400) || error.response.status === 0)) {
      const server = serverOfUrl(requestUrl(error.config?.baseURL, error.config?.url), options.servers()) ?? 'the server'
      const location = String(error.response.headers.location ?? 'another URL')
      return Promise.reject(new ProtocolError(server, `it redirected (${error.response.status}) to ${location}; comfy-tether does not follow redirects, because they can move a task to another host`, { cause: error }))
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

/**
 * The URL a request goes to, without its query: what axios's `buildFullPath` computes, minus `getUri`'s second merge of
 * the instance defaults, which cost a fifth of a loopback round trip per request.
 */
function requestUrl(baseURL: string | undefined, url: string | undefined): string {
  if (isAbsolute(url) || !baseURL)
    return url ?? ''
  return url ? `${baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}` : baseURL
}

function isAbsolute(url: string | undefined): boolean {
  return url !== undefined && /^[a-z][a-z\d+.-]*:/i.test(url)
}

function responseUrl(response: AxiosResponse): string | undefined {
  const request = response.request as { responseURL?: unknown, res?: { responseUrl?: unknown } } | undefined
  const url = request?.responseURL ?? request?.res?.responseUrl
  return typeof url === 'string' && url !== '' ? url : undefined
}
