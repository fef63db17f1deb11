import type { AxiosInstance, CreateAxiosDefaults } from 'axios'
import type { ServerStrategy } from '../core/server-pool'

/** One ComfyUI server: its URL, and what is sent only to it. */
export interface ComfyServerConfig {
  /** Absolute http(s) base URL, e.g. `"http://127.0.0.1:8188"` or `"https://host/comfy"`. */
  url: string
  /** A name for people. @default the URL's host */
  label?: string
  /** Extra headers sent with every request to this server, and to no other. @default {} */
  headers?: Record<string, string>
  /** Sent as `Authorization: Bearer <token>` to this server only. @default undefined */
  token?: string
  /**
   * Where the token may also go for what the browser opens itself, which cannot carry headers: with
   * `{ query: 'token' }` the token is appended as `?token=<token>` to this server's socket URL and to its `/view`
   * URLs (`viewUrl()`, `imageUrls`), the form many auth proxies accept. Opt-in; needs `token`. HTTP calls still
   * send it as a header only. Never logged, never in `log` or error messages (redacted), never sent elsewhere.
   * For servers that accept headers only, load outputs with `loadImage()` instead.
   * @default undefined (the token goes in headers only)
   */
  auth?: ComfyServerAuth
}

/** How a server's token reaches what the browser opens itself (see {@link ComfyServerConfig.auth}). */
export interface ComfyServerAuth {
  /** The query parameter that carries the token on the socket and `/view` URLs, e.g. `'token'` or `'access_token'`. */
  query: string
}

/** Reconnect behaviour of the socket. */
export interface ComfyReconnectOptions {
  /** First delay in ms. @default 1000 */
  baseDelay?: number
  /** Largest delay in ms. @default 30000 */
  maxDelay?: number
  /** Full jitter (random between 0 and the delay) or none. @default 'full' */
  jitter?: 'full' | 'none'
  /** Attempts in a row before giving up (the outage rule, `maxOutage`, still ends the tasks). @default Infinity */
  retries?: number
}

/** Reconcile behaviour: how tasks are checked against `/history` and `/queue`. */
export interface ComfyReconcileOptions {
  /** Poll interval in ms while tasks are pending and the socket is down or has been silent this long. @default 5000 */
  interval?: number
  /** How long a task may be missing from both `/queue` and `/history` before it is `lost`. @default 10000 */
  lostGrace?: number
}

/**
 * The part of `Storage` persistence uses: the browser's `sessionStorage`, or the app's own (a file, a key-value store
 * such as Redis). Either method may return a promise: the client is then `ready` (and submits go on) once `getItem`
 * has answered and the snapshot is restored, and writes go one at a time, the newest state last.
 */
export interface ComfyStorage {
  getItem: (key: string) => string | null | Promise<string | null>
  setItem: (key: string, value: string) => void | Promise<void>
}

/** Where the lock and pending tasks are kept across reloads. */
export interface ComfyPersistOptions {
  /**
   * Where the snapshot is kept: a `Storage` (per tab), or any object with `getItem`/`setItem`, synchronous or returning
   * promises (e.g. `{ getItem: k => redis.get(k), setItem: async (k, v) => void await redis.set(k, v) }`).
   * @default window.sessionStorage
   */
  storage?: ComfyStorage
  /** The key. @default 'comfy-tether' */
  key?: string
}

/**
 * Receives comfy-tether's log lines. Messages have every configured credential and URL query value redacted, and
 * `data` arrives as a JSON-safe copy without secrets (errors as their `toJSON()`).
 */
export interface ComfyLogger {
  debug: (message: string, data?: unknown) => void
  info: (message: string, data?: unknown) => void
  warn: (message: string, data?: unknown) => void
  error: (message: string, data?: unknown) => void
}

/**
 * Options of `app.use(comfyPlugin, options)`. Every duration is in ms, from 0 up to 2^31−1 (the longest a timer
 * keeps); only `maxOutage` and `requestTimeout` also take `Infinity`. A wrong value or shape is refused with
 * `INVALID_OPTIONS` naming the option; an unknown option name is warned about in development builds.
 *
 * @example
 * app.use(comfyPlugin, { servers: ['http://127.0.0.1:8188', { url: 'https://gpu-2.example/comfy', token: 't' }] })
 */
export interface ComfyPluginOptions {
  /** The ComfyUI servers a task may run on. At least one. */
  servers: readonly (string | ComfyServerConfig)[]
  /**
   * `'session'`: one lock for the client; every task goes to the locked server until all have ended.
   * `'task'`: each task locks its own server when it starts, so one client drives many servers at once; one socket
   * per server with pending tasks; each server's lock is released when its last task ends.
   * @default 'session'
   */
  affinity?: 'session' | 'task'
  /**
   * With `affinity: 'task'`, how many of this client's tasks may be queued on one server at once; further submits
   * wait in the client until a slot frees, so fast servers take more work than slow ones (ComfyUI cannot move a
   * queued prompt). `Infinity` places every task at once.
   * @default 2
   */
  maxTasksPerServer?: number
  /**
   * How the server of a new task is chosen. `'least-busy'`: healthy servers only, shortest queue from `GET /prompt`;
   * `'first-healthy'`: the first healthy server in configuration order; or your own function.
   * @default 'least-busy'
   */
  strategy?: 'least-busy' | 'first-healthy' | ServerStrategy
  /** Socket reconnects (only to the locked server, only while tasks are pending). `false` turns them off. @default true */
  reconnect?: boolean | ComfyReconnectOptions
  /** Reconcile polling and the lost-task grace period. @default { interval: 5000, lostGrace: 10000 } */
  reconcile?: ComfyReconcileOptions
  /**
   * After this many ms without reaching the locked server, its pending tasks end as `lost` and the lock is released.
   * `Infinity`: never (the tasks wait for the server; `abandon()` is the way out). At most 2^31−1 ms otherwise.
   * @default 120000
   */
  maxOutage?: number
  /** Delay in ms between the last task ending and the lock's release. @default 0 */
  releaseDelay?: number
  /** How long to wait for the socket to open before queueing a task anyway (reconcile covers the gap). @default 5000 */
  socketOpenTimeout?: number
  /** Timeout of each HTTP call in ms; `Infinity`: none. At most 2^31−1 ms otherwise. @default 30000 */
  requestTimeout?: number
  /** Timeout of each health check (`GET /prompt`) when choosing a server. @default 3000 */
  healthTimeout?: number
  /** Keep the lock, clientId and pending tasks in sessionStorage so they survive a reload. @default true in browsers */
  persist?: boolean | ComfyPersistOptions
  /** Put `debugLock`, `validateServerConsistency` and `checkUnlockCondition` on `window.comfyTether` (or the given name). @default false */
  exposeOnWindow?: boolean | string
  /** Where log lines go (an outage: `warn` when it starts, `info` when it ends). `false` for none. @default console (info, warnings and errors; no debug) */
  logger?: ComfyLogger | false
  /** How many lock events the store keeps in `log`. @default 200 */
  logLimit?: number
  /** How many finished tasks the store keeps; the oldest are dropped first. @default 100 */
  taskRetention?: number
  /** Use this axios instance (comfy-tether adds its interceptors to it). @default a new instance */
  http?: AxiosInstance
  /** Defaults for the axios instance comfy-tether creates. @default {} */
  httpConfig?: CreateAxiosDefaults
}

/** The options with every default applied. */
export interface ResolvedComfyOptions {
  servers: ComfyServerConfig[]
  affinity: 'session' | 'task'
  maxTasksPerServer: number
  strategy: ServerStrategy
  reconnect: Required<ComfyReconnectOptions> | false
  reconcile: Required<ComfyReconcileOptions>
  maxOutage: number
  releaseDelay: number
  socketOpenTimeout: number
  requestTimeout: number
  healthTimeout: number
  persist: Required<ComfyPersistOptions> | false
  exposeOnWindow: string | false
  logger: ComfyLogger
  logLimit: number
  taskRetention: number
  http: AxiosInstance | undefined
  httpConfig: CreateAxiosDefaults
}

/** The defaults, in one place. */
export const COMFY_DEFAULTS = {
  affinity: 'session',
  maxTasksPerServer: 2,
  strategy: 'least-busy',
  reconnect: { baseDelay: 1000, maxDelay: 30_000, jitter: 'full', retries: Number.POSITIVE_INFINITY },
  reconcile: { interval: 5000, lostGrace: 10_000 },
  maxOutage: 120_000,
  releaseDelay: 0,
  socketOpenTimeout: 5000,
  requestTimeout: 30_000,
  healthTimeout: 3000,
  persistKey: 'comfy-tether',
  exposeOnWindow: 'comfyTether',
  logLimit: 200,
  taskRetention: 100,
} as const satisfies {
  affinity: 'session'
  maxTasksPerServer: number
  strategy: 'least-busy'
  reconnect: Required<ComfyReconnectOptions>
  reconcile: Required<ComfyReconcileOptions>
  maxOutage: number
  releaseDelay: number
  socketOpenTimeout: number
  requestTimeout: number
  healthTimeout: number
  persistKey: string
  exposeOnWindow: string
  logLimit: number
  taskRetention: number
}
