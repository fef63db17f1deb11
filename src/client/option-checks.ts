import type { ComfyLogger, ComfyPluginOptions } from './options'
import { InvalidArgumentError } from '../core/errors'

// Checks of options that are objects or functions, the dev-only checks of what the types already catch, and the
// dev-only warning about option names nobody reads. Long explanations exist in development builds only (the check is
// written out at each message or call, the form a minifier folds away); a production build keeps a short message that
// still names the option.

/** The longest delay a platform timer keeps: `setTimeout` fires at once for anything longer (2^31−1 ms, ~24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647

/** The option names of `comfyPlugin` / `createComfyClient`, by where they sit (`''`: the top level). */
export const KNOWN_OPTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': ['servers', 'affinity', 'maxTasksPerServer', 'strategy', 'reconnect', 'reconcile', 'maxOutage', 'releaseDelay', 'socketOpenTimeout', 'requestTimeout', 'healthTimeout', 'persist', 'exposeOnWindow', 'logger', 'logLimit', 'taskRetention', 'http', 'httpConfig'],
  'reconnect': ['baseDelay', 'maxDelay', 'jitter', 'retries'],
  'reconcile': ['interval', 'lostGrace'],
  'persist': ['storage', 'key'],
  'servers[]': ['url', 'label', 'headers', 'token', 'auth'],
}

/** Options only `createComfyClient` takes (the plugin brings its own socket, on vueuse). */
export const CLIENT_ONLY_KEYS: readonly string[] = ['WebSocket', 'socket', 'timers']

/** An `INVALID_OPTIONS` error. */
export function invalidOption(message: string): InvalidArgumentError {
  return new InvalidArgumentError('INVALID_OPTIONS', message)
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every(name => typeof (value as Record<string, unknown>)[name] === 'function')
}

/**
 * Development builds only (the caller writes the check out, so a production build drops the call): refuses what
 * TypeScript's types already refuse, for a JS caller or a cast. A `logger` that is neither `false` nor an object with
 * `debug`, `info`, `warn` and `error` functions, a `strategy` other than `'least-busy'`, `'first-healthy'` or a
 * function, an `affinity` other than `'session'` or `'task'`. A production build takes an unknown strategy or
 * affinity as the default (`'least-busy'`, `'session'`).
 */
export function checkTypedOptions(options: ComfyPluginOptions): void {
  const { logger, strategy, affinity } = options
  if (logger !== undefined && logger !== false && !hasMethods(logger, ['debug', 'info', 'warn', 'error']))
    throw invalidOption('Option `logger` must be `false` or an object with debug, info, warn and error functions (console works: logger: console).')
  if (strategy !== undefined && strategy !== 'least-busy' && strategy !== 'first-healthy' && typeof strategy !== 'function')
    invalidValue('strategy', strategy, '\'least-busy\', \'first-healthy\' or a function')
  if (affinity !== undefined && affinity !== 'session' && affinity !== 'task')
    invalidValue('affinity', affinity, '\'session\' or \'task\'')
}

/**
 * Development builds only, as {@link checkTypedOptions}: refuses `headers` of a server that are not an object of
 * strings and a `token` that is not a string.
 */
export function checkServerTypes(server: object, index: number): void {
  const { headers, token } = server as { headers?: unknown, token?: unknown }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some(v => typeof v !== 'string')))
    throw invalidOption(`servers[${index}].headers must be an object of strings.`)
  if (token !== undefined && typeof token !== 'string')
    throw invalidOption(`servers[${index}].token must be a string.`)
}

function invalidValue(name: string, value: unknown, expected: string): never {
  throw invalidOption(`Option \`${name}\` is ${JSON.stringify(value) ?? String(value)}; expected ${expected}.`)
}

/**
 * Refuses a `persist.storage` without `getItem`/`setItem` functions (synchronous or returning promises): a key-value
 * client such as ioredis (`get`/`set`) would be ignored silently and persistence be off. Wrap it in
 * `{ getItem, setItem }`.
 */
export function checkStorage(persist: unknown): void {
  if (persist === undefined || typeof persist === 'boolean')
    return
  if (typeof persist !== 'object' || persist === null) {
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'Option `persist` must be true, false or { storage?, key? }.'
      : 'Option `persist`: not a boolean or object')
  }
  const storage = (persist as { storage?: unknown }).storage
  if (storage === undefined || hasMethods(storage, ['getItem', 'setItem']))
    return
  throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
    ? 'Option `persist.storage` must have getItem(key) and setItem(key, value) functions, as sessionStorage does; they may return promises. For a key-value store such as Redis: { getItem: k => redis.get(k), setItem: async (k, v) => { await redis.set(k, v) } }.'
    : 'Option `persist.storage`: no getItem/setItem')
}

/**
 * Refuses `WebSocket` that is not a constructor, `socket` that is not a function and `timers` without `setTimeout`,
 * `clearTimeout` and `now` functions (`createComfyClient` only).
 */
export function checkSocketOptions(options: { WebSocket?: unknown, socket?: unknown, timers?: unknown }): void {
  const { WebSocket, socket, timers } = options
  if (timers !== undefined && !hasMethods(timers, ['setTimeout', 'clearTimeout', 'now'])) {
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'Option `timers` must have setTimeout(callback, ms), clearTimeout(handle) and now() functions; leave it out to use the platform\'s.'
      : 'Option `timers`: not timers')
  }
  if (socket !== undefined && typeof socket !== 'function') {
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'Option `socket` must be a function (server URL, handlers) => socket; leave it out to use `WebSocket`.'
      : 'Option `socket`: not a function')
  }
  if (WebSocket !== undefined && !isConstructor(WebSocket)) {
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'Option `WebSocket` must be a WebSocket class (called with `new`), e.g. `import WebSocket from \'ws\'` in Node; got a value that is not a constructor. Did you pass a module namespace or an instance?'
      : 'Option `WebSocket`: not a constructor')
  }
}

/** Can `value` be called with `new`? Asked without calling it: `Reflect.construct` checks `newTarget` first. */
function isConstructor(value: unknown): boolean {
  if (typeof value !== 'function')
    return false
  try {
    Reflect.construct(String, [], value)
    return true
  }
  catch {
    return false
  }
}

function distance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i)
  for (let i = 1; i <= x.length; i++) {
    const row = [i]
    for (let j = 1; j <= y.length; j++)
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1))
    previous = row
  }
  return previous[y.length] ?? 0
}

/** The known name closest to `key`, if it is close enough to be a typo. */
export function closestName(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1
  for (const name of known) {
    const d = distance(key, name)
    if (d < bestDistance) {
      best = name
      bestDistance = d
    }
  }
  return best
}

function unknownKeys(value: unknown, known: readonly string[], at: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return []
  return Object.keys(value).filter(key => !known.includes(key)).map((key) => {
    const close = closestName(key, known)
    return `unknown option \`${at}${key}\`${close ? `; did you mean \`${at}${close}\`?` : ''} It is ignored.`
  })
}

/**
 * Development builds only: warns once per option name nobody reads (a typo such as `maxOutge`), naming the closest
 * known one. Nested objects (`reconnect`, `reconcile`, `persist`, each server) are checked too.
 * @param extra - further top-level names the caller reads (`createComfyClient`'s `WebSocket`, `socket`, `timers`)
 */
export function warnUnknownOptions(options: object, logger: ComfyLogger, extra: readonly string[] = []): void {
  if (typeof process === 'undefined' || process.env.NODE_ENV === 'production')
    return
  const o = options as Record<string, unknown>
  const top = [...(KNOWN_OPTION_KEYS[''] ?? []), ...extra]
  const warnings = unknownKeys(o, top, '')
  for (const nested of ['reconnect', 'reconcile', 'persist'] as const)
    warnings.push(...unknownKeys(o[nested], KNOWN_OPTION_KEYS[nested] ?? [], `${nested}.`))
  if (Array.isArray(o.servers)) {
    o.servers.forEach((server: unknown, index) => {
      warnings.push(...unknownKeys(server, KNOWN_OPTION_KEYS['servers[]'] ?? [], `servers[${index}].`))
    })
  }
  for (const warning of warnings)
    logger.warn(warning)
}
