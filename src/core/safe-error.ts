// What an error of comfy-tether may carry out of the library: no request header, no token, no query credential.
import { REDACTED, redactUrl } from './redact-url'

/** The mark of an error made by comfy-tether (any copy of it: a registered symbol). */
export const BRAND = Symbol.for('comfy-tether.error')
/** Shorter values are not treated as secrets: they would mangle ids and words, and no credential is that short. */
const MIN_SECRET_LENGTH = 6
const MAX_DEPTH = 4

const secrets = new Map<string, number>()

/**
 * Marks values (a server's token and header values) as secrets: from now on they are replaced by `[redacted]` in the
 * message, cause and `toJSON()` of every comfy-tether error and in everything comfy-tether hands its logger.
 * Returns the function that forgets them again (registrations are counted, so two apps may share a value).
 */
export function registerSecrets(values: Iterable<string>): () => void {
  const added = [...new Set(values)].filter(v => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH)
  for (const value of added) secrets.set(value, (secrets.get(value) ?? 0) + 1)
  let done = false
  return () => {
    if (done)
      return
    done = true
    for (const value of added) {
      const count = (secrets.get(value) ?? 1) - 1
      if (count <= 0)
        secrets.delete(value)
      else
        secrets.set(value, count)
    }
  }
}

const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>`]+/gi

/** Text fit for a message or a log line: registered secrets and every URL's query values and userinfo redacted. */
export function redactText(text: string): string {
  let out = text.includes('://') ? text.replace(URL_IN_TEXT, url => redactUrl(url)) : text
  for (const secret of secrets.keys()) {
    if (out.includes(secret))
      out = out.split(secret).join(REDACTED)
  }
  return out
}

/** What every message of comfy-tether starts with. */
export const PREFIX = '[comfy-tether] '

/** {@link redactText} for a message, keeping its `[comfy-tether]` prefix whatever the registered values are. */
export function redactMessage(message: string): string {
  return message.startsWith(PREFIX) ? PREFIX + redactText(message.slice(PREFIX.length)) : redactText(message)
}

/** An error standing in for a foreign one (an AxiosError, a TypeError of fetch): its name, code, status and message only. */
export class SanitizedCause extends Error {
  /** The original's `code` (e.g. `ECONNREFUSED`, `ERR_NETWORK`, `ECONNABORTED`), if it had one. */
  readonly code?: string
  /** The HTTP status of the original's response, if it had one. */
  readonly status?: number

  constructor(original: Error & { code?: unknown, status?: unknown, response?: { status?: unknown } }, depth: number) {
    super(redactText(original.message), original.cause === undefined ? undefined : { cause: sanitizeCause(original.cause, depth + 1) })
    this.name = original.name
    if (typeof original.code === 'string')
      this.code = original.code
    const status = original.response?.status ?? original.status
    if (typeof status === 'number')
      this.status = status
    // The original's frames say where it happened; its first line may hold what the message no longer does.
    const frames = (original.stack ?? '').split('\n').filter(line => /^\s+at /.test(line))
    this.stack = [`${this.name}: ${this.message}`, ...frames].join('\n')
  }
}

/**
 * The `cause` an error of comfy-tether keeps: its own errors as they are (already clean), anything else as a
 * {@link SanitizedCause}, so no request config, header, `request` object or basic-auth password comes along.
 */
export function sanitizeCause(cause: unknown, depth = 0): unknown {
  if (cause === undefined || cause === null)
    return cause
  if (typeof cause === 'object' && (cause as Record<symbol, unknown>)[BRAND] === true)
    return cause
  if (depth >= MAX_DEPTH)
    return undefined
  if (cause instanceof Error)
    return new SanitizedCause(cause, depth)
  if (typeof cause === 'object')
    return new SanitizedCause(Object.assign(new Error(String((cause as { message?: unknown }).message ?? 'non-error cause')), { code: (cause as { code?: unknown }).code }), depth)
  return redactText(String(cause))
}

/** A value made fit for JSON and the logger: errors as their safe JSON, strings redacted, depth bounded. */
export function safeValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return redactText(value)
  if (typeof value !== 'object' || value === null)
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value
  if (depth >= MAX_DEPTH)
    return '[…]'
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function' && (value as Record<symbol, unknown>)[BRAND] === true)
    return (value as { toJSON: () => unknown }).toJSON()
  if (value instanceof Error) {
    const safe = sanitizeCause(value) as SanitizedCause
    return { name: safe.name, message: safe.message, ...(safe.code ? { code: safe.code } : {}), ...(safe.status ? { status: safe.status } : {}), ...(safe.cause !== undefined ? { cause: safeValue(safe.cause, depth + 1) } : {}) }
  }
  if (Array.isArray(value))
    return value.map(v => safeValue(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) out[key] = safeValue(v, depth + 1)
  return out
}

/** The `toJSON()` of a comfy-tether error: name, code, message, its own fields and its cause, without secrets. */
export function errorToJSON(error: Error & { code: string }): Record<string, unknown> {
  // The message was redacted when the error was made (see ComfyTetherError).
  const out: Record<string, unknown> = { name: error.name, code: error.code, message: error.message }
  for (const [key, value] of Object.entries(error)) {
    if (!(key in out))
      out[key] = safeValue(value)
  }
  if (error.cause !== undefined)
    out.cause = safeValue(error.cause)
  return out
}
