import type { ServerStrategy } from '../core/server-pool'
import { PREFIX, redactMessage, safeValue } from '../core/safe-error'
import { leastBusyStrategy } from '../core/server-pool'
import { assertDistinctServers } from '../core/server-identity'
import type { QueryCredential } from '../core/server-url'
import { normalizeServerUrl } from '../core/server-url'
import type { ComfyLogger, ComfyPluginOptions, ComfyServerConfig, ComfyStorage, ResolvedComfyOptions } from './options'
import { COMFY_DEFAULTS } from './options'
import { checkServerTypes, checkStorage, checkTypedOptions, invalidOption, MAX_TIMER_MS, warnUnknownOptions } from './option-checks'

const firstHealthy: ServerStrategy = candidates => candidates.find(c => c.healthy)?.url

const prefixed = (message: string): string => (message.startsWith('[comfy-tether]') ? message : PREFIX + message)

/** A logger whose four levels all go to `write`. */
function loggerOf(write: (level: keyof ComfyLogger, message: string, data?: unknown) => void): ComfyLogger {
  const at = (level: keyof ComfyLogger) => (message: string, data?: unknown): void => write(level, message, data)
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

// The only info lines are the ends of outages, which a warning announced: without them a log shows a server down for good.
const consoleLogger = loggerOf((level, message, data) => {
  if (level !== 'debug')
    console[level](prefixed(message), ...(data === undefined ? [] : [data]))
})

const silentLogger = loggerOf(() => {})

/** Nothing handed to the app's logger carries a secret: messages redacted, data as its safe JSON form. */
const redactingLogger = (inner: ComfyLogger): ComfyLogger => loggerOf((level, message, data) => {
  if (data === undefined)
    inner[level](redactMessage(message))
  else
    inner[level](redactMessage(message), safeValue(data))
})

/** The numeric options, by their path in the options (and in `COMFY_DEFAULTS`). */
type NumberOption = 'maxTasksPerServer' | 'reconnect.baseDelay' | 'reconnect.maxDelay' | 'reconnect.retries' | 'reconcile.interval'
  | 'reconcile.lostGrace' | 'maxOutage' | 'releaseDelay' | 'socketOpenTimeout' | 'requestTimeout' | 'healthTimeout' | 'logLimit' | 'taskRetention'

/** `'ms'`: milliseconds up to the longest timer; `'never'`: the same or `Infinity` (never); `'count'`: a whole number or `Infinity`. */
type NumberKind = 'ms' | 'never' | 'count'

/**
 * Validates the plugin options and applies the defaults. Throws a `ComfyTetherError` (`INVALID_OPTIONS` or
 * `INVALID_SERVER_URL`) that says which option is wrong; in development builds also refuses values of the wrong type
 * (which TypeScript catches) and warns about option names it does not know (a typo), naming the closest known one.
 * @param extraKeys - further top-level option names the caller reads itself (`createComfyClient`'s `WebSocket`, …)
 */
export function resolveComfyOptions(options: ComfyPluginOptions | undefined, extraKeys: readonly string[] = []): ResolvedComfyOptions {
  if (typeof options !== 'object' || options === null)
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? 'comfyPlugin needs options: app.use(comfyPlugin, { servers: [\'http://127.0.0.1:8188\'] }).' : 'options: missing')
  const servers = resolveServers(options.servers)
  if (typeof process !== 'undefined' && process.env.NODE_ENV !== 'production')
    checkTypedOptions(options)
  checkStorage(options.persist)
  // Checks that guard correctness stay in every build: a NaN, negative or too long duration would misbehave silently.
  const number = (path: NumberOption, min = 0, kind: NumberKind = 'ms'): number => {
    const read = (from: object): unknown => path.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown> | null | undefined)?.[key], from)
    const value = read(options) ?? read(COMFY_DEFAULTS)
    if (typeof value !== 'number' || !(value >= min) || (value === Number.POSITIVE_INFINITY ? kind === 'ms' : kind === 'count' ? !Number.isInteger(value) : value > MAX_TIMER_MS)) {
      throw invalidOption(`Option \`${path}\` is ${JSON.stringify(value) ?? String(value)}; expected ${kind === 'count'
        ? `a whole number ≥ ${min}`
        : `a number of milliseconds from ${min} to ${MAX_TIMER_MS}${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' (2^31−1, the longest a timer keeps)' : ''}${kind === 'never' ? ', or Infinity for never' : ''}`}.`)
    }
    return value
  }
  const persistWanted = options.persist ?? typeof sessionStorage !== 'undefined'
  const storage = typeof persistWanted === 'object' ? persistWanted.storage ?? safeSessionStorage() : persistWanted ? safeSessionStorage() : undefined
  const logger = options.logger === false ? silentLogger : redactingLogger(options.logger ?? consoleLogger)
  warnUnknownOptions(options, logger, extraKeys)
  return {
    servers,
    affinity: options.affinity === 'task' ? 'task' : COMFY_DEFAULTS.affinity,
    maxTasksPerServer: number('maxTasksPerServer', 1, 'count'),
    strategy: typeof options.strategy === 'function' ? options.strategy : options.strategy === 'first-healthy' ? firstHealthy : leastBusyStrategy,
    reconnect: options.reconnect === false
      ? false
      : {
          baseDelay: number('reconnect.baseDelay'),
          maxDelay: number('reconnect.maxDelay'),
          jitter: (options.reconnect === true ? undefined : options.reconnect?.jitter) ?? COMFY_DEFAULTS.reconnect.jitter,
          retries: number('reconnect.retries', 0, 'count'),
        },
    reconcile: { interval: number('reconcile.interval', 1), lostGrace: number('reconcile.lostGrace') },
    maxOutage: number('maxOutage', 0, 'never'),
    releaseDelay: number('releaseDelay'),
    socketOpenTimeout: number('socketOpenTimeout'),
    requestTimeout: number('requestTimeout', 1, 'never'),
    healthTimeout: number('healthTimeout', 1),
    persist: storage && persistWanted !== false
      ? { storage, key: (typeof persistWanted === 'object' ? persistWanted.key : undefined) ?? COMFY_DEFAULTS.persistKey }
      : false,
    exposeOnWindow: options.exposeOnWindow === true ? COMFY_DEFAULTS.exposeOnWindow : options.exposeOnWindow || false,
    logger,
    logLimit: number('logLimit', 1, 'count'),
    taskRetention: number('taskRetention', 0, 'count'),
    http: options.http,
    httpConfig: options.httpConfig ?? {},
  }
}

function resolveServers(input: unknown): ComfyServerConfig[] {
  if (!Array.isArray(input) || input.length === 0)
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? '`servers` must be a non-empty array of ComfyUI URLs, e.g. servers: [\'http://127.0.0.1:8188\'].' : '`servers`: not a non-empty array')
  const seen: string[] = []
  return input.map((entry: unknown, index) => {
    const config = typeof entry === 'string' ? { url: entry } : entry
    if (typeof config !== 'object' || config === null || !('url' in config))
      throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? `servers[${index}] must be a URL string or { url, label?, headers?, token?, auth? }.` : `servers[${index}]: not a URL or config`)
    if (typeof process !== 'undefined' && process.env.NODE_ENV !== 'production')
      checkServerTypes(config, index)
    const { url, label, headers, token, auth } = config as ComfyServerConfig
    const normalized = normalizeServerUrl(url)
    seen.push(normalized)
    assertDistinctServers(seen)
    if (auth !== undefined)
      checkServerAuth(auth, token, index)
    return {
      url: normalized,
      label: typeof label === 'string' && label !== '' ? label : new URL(normalized).host,
      headers: { ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      ...(token ? { token } : {}),
      ...(auth ? { auth: { query: auth.query } } : {}),
    }
  })
}

/** Names comfy-tether puts on socket and /view URLs itself. */
const RESERVED_PARAMS = new Set(['clientId', 'filename', 'subfolder', 'type', 'preview', 'channel'])

// In every build: a query credential under a name comfy-tether writes itself would clobber it (or be clobbered).
function checkServerAuth(auth: unknown, token: string | undefined, index: number): void {
  const query = typeof auth === 'object' && auth !== null ? (auth as { query?: unknown }).query : undefined
  if (typeof query !== 'string' || !/^[A-Za-z_][\w.-]{0,63}$/.test(query) || RESERVED_PARAMS.has(query))
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? `servers[${index}].auth.query must be the name of a query parameter such as 'token' (letters, digits, _ . -), not one of ${[...RESERVED_PARAMS].join(', ')}.` : `servers[${index}].auth.query: not a parameter name`)
  if (!token)
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? `servers[${index}].auth.query needs the server's \`token\`: it is the value sent as ?${query}=…` : `servers[${index}].auth.query: no token`)
}

/** The query credential of a server for its socket and /view URLs, if its config asks for one (`auth.query`). */
export function queryCredentialOf(server: ComfyServerConfig | undefined): QueryCredential | undefined {
  return server?.auth && server.token ? { param: server.auth.query, value: server.token } : undefined
}

function safeSessionStorage(): ComfyStorage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage
  }
  catch {
    return undefined // blocked by privacy settings
  }
}
