import type { ServerStrategy } from '../core/server-pool'
import { InvalidArgumentError, isComfyTetherError } from '../core/errors'
import { redactMessage, safeValue } from '../core/safe-error'
import { leastBusyStrategy } from '../core/server-pool'
import { assertDistinctServers } from '../core/server-identity'
import type { QueryCredential } from '../core/server-url'
import { normalizeServerUrl } from '../core/server-url'
import type { ComfyLogger, ComfyPluginOptions, ComfyStorage, ComfyServerConfig, ResolvedComfyOptions } from './options'
import { COMFY_DEFAULTS } from './options'
import { checkLogger, checkStorage, MAX_TIMER_MS, warnUnknownOptions } from './option-checks'

const firstHealthy: ServerStrategy = candidates => candidates.find(c => c.healthy)?.url

const prefixed = (message: string): string => (message.startsWith('[comfy-tether]') ? message : `[comfy-tether] ${message}`)

const consoleLogger: ComfyLogger = {
  debug: () => {},
  // The only info lines are the ends of outages, which a warning announced: without them a log shows a server down for good.
  info: (message, data) => console.info(prefixed(message), ...(data === undefined ? [] : [data])),
  warn: (message, data) => console.warn(prefixed(message), ...(data === undefined ? [] : [data])),
  error: (message, data) => console.error(prefixed(message), ...(data === undefined ? [] : [data])),
}

const silentLogger: ComfyLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** Nothing handed to the app's logger carries a secret: messages redacted, data as its safe JSON form. */
function redactingLogger(inner: ComfyLogger): ComfyLogger {
  const wrap = (level: keyof ComfyLogger) => (message: string, data?: unknown): void => {
    if (data === undefined)
      inner[level](redactMessage(message))
    else
      inner[level](redactMessage(message), safeValue(data))
  }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}

/**
 * Validates the plugin options and applies the defaults. Throws a `ComfyTetherError` (`INVALID_OPTIONS` or
 * `INVALID_SERVER_URL`) that says which option is wrong; in development builds warns about option names it does not
 * know (a typo), naming the closest known one.
 * @param extraKeys - further top-level option names the caller reads itself (`createComfyClient`'s `WebSocket`, …)
 */
export function resolveComfyOptions(options: ComfyPluginOptions | undefined, extraKeys: readonly string[] = []): ResolvedComfyOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? 'comfyPlugin needs options: app.use(comfyPlugin, { servers: [\'http://127.0.0.1:8188\'] }).' : 'options: missing')
  const servers = resolveServers(options.servers)
  checkLogger(options.logger)
  checkStorage(options.persist)
  const strategy = options.strategy === undefined || options.strategy === 'least-busy'
    ? leastBusyStrategy
    : options.strategy === 'first-healthy'
      ? firstHealthy
      : typeof options.strategy === 'function'
        ? options.strategy
        : invalidValue('strategy', options.strategy, '\'least-busy\', \'first-healthy\' or a function')
  const r = options.reconnect === undefined || options.reconnect === true ? {} : options.reconnect
  const reconnect = r === false
    ? false as const
    : {
        baseDelay: duration('reconnect.baseDelay', r.baseDelay ?? COMFY_DEFAULTS.reconnect.baseDelay),
        maxDelay: duration('reconnect.maxDelay', r.maxDelay ?? COMFY_DEFAULTS.reconnect.maxDelay),
        jitter: r.jitter ?? COMFY_DEFAULTS.reconnect.jitter,
        retries: count('reconnect.retries', r.retries ?? COMFY_DEFAULTS.reconnect.retries),
      }
  const persistWanted = options.persist ?? typeof sessionStorage !== 'undefined'
  const storage = typeof persistWanted === 'object' ? persistWanted.storage ?? safeSessionStorage() : persistWanted ? safeSessionStorage() : undefined
  const name = options.exposeOnWindow === true ? COMFY_DEFAULTS.exposeOnWindow : options.exposeOnWindow || false
  const affinity = options.affinity ?? COMFY_DEFAULTS.affinity
  if (affinity !== 'session' && affinity !== 'task')
    invalidValue('affinity', affinity, '\'session\' or \'task\'')
  const logger = options.logger === false ? silentLogger : redactingLogger(options.logger ?? consoleLogger)
  warnUnknownOptions(options, logger, extraKeys)
  return {
    servers,
    affinity,
    maxTasksPerServer: count('maxTasksPerServer', options.maxTasksPerServer ?? COMFY_DEFAULTS.maxTasksPerServer, 1),
    strategy,
    reconnect,
    reconcile: {
      interval: duration('reconcile.interval', options.reconcile?.interval ?? COMFY_DEFAULTS.reconcile.interval, 1),
      lostGrace: duration('reconcile.lostGrace', options.reconcile?.lostGrace ?? COMFY_DEFAULTS.reconcile.lostGrace),
    },
    maxOutage: duration('maxOutage', options.maxOutage ?? COMFY_DEFAULTS.maxOutage, 0, true),
    releaseDelay: duration('releaseDelay', options.releaseDelay ?? COMFY_DEFAULTS.releaseDelay),
    socketOpenTimeout: duration('socketOpenTimeout', options.socketOpenTimeout ?? COMFY_DEFAULTS.socketOpenTimeout),
    requestTimeout: duration('requestTimeout', options.requestTimeout ?? COMFY_DEFAULTS.requestTimeout, 1, true),
    healthTimeout: duration('healthTimeout', options.healthTimeout ?? COMFY_DEFAULTS.healthTimeout, 1),
    persist: storage && persistWanted !== false
      ? { storage, key: (typeof persistWanted === 'object' ? persistWanted.key : undefined) ?? COMFY_DEFAULTS.persistKey }
      : false,
    exposeOnWindow: name,
    logger,
    logLimit: count('logLimit', options.logLimit ?? COMFY_DEFAULTS.logLimit, 1),
    taskRetention: count('taskRetention', options.taskRetention ?? COMFY_DEFAULTS.taskRetention),
    http: options.http,
    httpConfig: options.httpConfig ?? {},
  }
}

function resolveServers(input: unknown): ComfyServerConfig[] {
  if (!Array.isArray(input) || input.length === 0)
    throw invalid(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? '`servers` must be a non-empty array of ComfyUI URLs, e.g. servers: [\'http://127.0.0.1:8188\'].' : '`servers`: not a non-empty array')
  const seen: string[] = []
  return input.map((entry: unknown, index) => {
    const config = typeof entry === 'string' ? { url: entry } : entry
    if (typeof config !== 'object' || config === null || !('url' in config))
      throw invalid(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? `servers[${index}] must be a URL string or { url, label?, headers?, token?, auth? }.` : `servers[${index}]: not a URL or config`)
    const { url, label, headers, token, auth } = config as ComfyServerConfig
    let normalized: string
    try {
      normalized = normalizeServerUrl(url)
    }
    catch (error) {
      if (isComfyTetherError(error))
        throw error
      throw invalid(`servers[${index}] is not a valid URL.`)
    }
    seen.push(normalized)
    assertDistinctServers(seen)
    if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some(v => typeof v !== 'string')))
      throw invalid(`servers[${index}].headers must be an object of strings.`)
    if (token !== undefined && typeof token !== 'string')
      throw invalid(`servers[${index}].token must be a string.`)
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

function checkServerAuth(auth: unknown, token: string | undefined, index: number): void {
  const query = typeof auth === 'object' && auth !== null ? (auth as { query?: unknown }).query : undefined
  if (typeof query !== 'string' || !/^[A-Za-z_][\w.-]{0,63}$/.test(query) || RESERVED_PARAMS.has(query))
    throw invalid(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? `servers[${index}].auth.query must be the name of a query parameter such as 'token' (letters, digits, _ . -), not one of ${[...RESERVED_PARAMS].join(', ')}.` : `servers[${index}].auth.query: not a parameter name`)
  if (!token)
    throw invalid(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? `servers[${index}].auth.query needs the server's \`token\`: it is the value sent as ?${query}=…` : `servers[${index}].auth.query: no token`)
}

/** The query credential of a server for its socket and /view URLs, if its config asks for one (`auth.query`). */
export function queryCredentialOf(server: ComfyServerConfig | undefined): QueryCredential | undefined {
  return server?.auth && server.token ? { param: server.auth.query, value: server.token } : undefined
}

/**
 * A duration in ms, between `min` and the longest a platform timer keeps (2^31−1 ms; `setTimeout` fires at once for
 * more). With `never`, `Infinity` is accepted and means "never" (no timer is armed).
 */
function duration(name: string, value: unknown, min = 0, never = false): number {
  if (never && value === Number.POSITIVE_INFINITY)
    return value
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > MAX_TIMER_MS)
    return invalidValue(name, value, `a number of milliseconds from ${min} to ${MAX_TIMER_MS}${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' (2^31−1, the longest a timer keeps)' : ''}${never ? ', or Infinity for never' : ''}`)
  return value
}

function count(name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || (!Number.isInteger(value) && value !== Number.POSITIVE_INFINITY))
    return invalidValue(name, value, `a whole number ≥ ${min}`)
  return value
}

function invalidValue(name: string, value: unknown, expected: string): never {
  throw invalid(`Option \`${name}\` is ${JSON.stringify(value) ?? String(value)}; expected ${expected}.`)
}

// The explanations of wrong options are for development (as Vue and Pinia do it): a production build keeps a short
// message that still names the option. The check is written out at each message, the form a minifier folds away.
function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError('INVALID_OPTIONS', message)
}

function safeSessionStorage(): ComfyStorage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage
  }
  catch {
    return undefined // blocked by privacy settings
  }
}
