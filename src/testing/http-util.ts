import type { IncomingHttpHeaders } from 'node:http'
import { STATUS_CODES } from 'node:http'
import { pyJson } from './py-json'

/** An HTTP request as the route handlers see it (body already read). */
export interface SimRequest {
  method: string
  /** Path as requested (with any `/api` prefix), without the query. */
  rawPath: string
  /** Path used for routing (`/api` stripped when the route exists only without it). */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
  /** What the request log should record about this request. */
  note: { promptIds: string[], clientId?: string }
}

/** A complete answer, written at once (so delays and injected failures can wrap any route). */
export interface SimResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

export const JSON_TYPE = 'application/json; charset=utf-8'
export const TEXT_TYPE = 'text/plain; charset=utf-8'

/** `web.json_response(value, status=…)`: Python-style JSON. */
export function jsonResponse(value: unknown, status = 200): SimResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: Buffer.from(pyJson(value), 'utf8') }
}

export function textResponse(text: string, status: number, contentType = TEXT_TYPE): SimResponse {
  return { status, headers: { 'Content-Type': contentType }, body: Buffer.from(text, 'utf8') }
}

/** `web.Response(status=…)`: no body, `application/octet-stream`. */
export function emptyResponse(status = 200): SimResponse {
  return { status, headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(0) }
}

/** aiohttp's text for an HTTP error without a body of its own: `404: Not Found`. */
export function errorResponse(status: number): SimResponse {
  if (status === 500)
    return serverError()
  return textResponse(`${status}: ${STATUS_CODES[status] ?? 'Unknown'}`, status)
}

/** What aiohttp answers when a handler raises. */
export function serverError(): SimResponse {
  return textResponse('500 Internal Server Error\n\nServer got itself in trouble', 500)
}

/** A Python exception inside a handler: the route answers 500. */
export class HandlerError extends Error {}

/** `await request.json()`: Python's json.loads of the body; raises (=> 500) on anything else. */
export function readJson(req: SimRequest): unknown {
  try {
    return JSON.parse(req.body.toString('utf8'))
  }
  catch {
    throw new HandlerError('JSONDecodeError')
  }
}

/** Python's `key in container` for a parsed JSON value. */
export function pyIn(key: string, container: unknown): boolean {
  if (typeof container === 'string')
    return container.includes(key)
  if (Array.isArray(container))
    return container.includes(key)
  if (typeof container === 'object' && container !== null)
    return Object.hasOwn(container, key)
  throw new HandlerError(`argument of type '${typeof container}' is not iterable`)
}

/** Python's truthiness of a parsed JSON value. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '')
    return false
  if (typeof value === 'object')
    return Object.keys(value).length > 0
  return true
}

/** Python's `int(text)` for a query parameter; raises (=> 500) like ComfyUI does. */
export function queryInt(text: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text))
    throw new HandlerError(`invalid literal for int() with base 10: '${text}'`)
  return Number.parseInt(text, 10)
}
