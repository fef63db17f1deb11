import axios from 'axios'
import type { ComfyTetherError } from '../core/errors'
import { isComfyTetherError, ProtocolError } from '../core/errors'
import { RequestFailedError, ServerUnreachableError } from '../core/request-errors'

/** Turns any failure of a call into a `ComfyTetherError` that names the server and operation, keeping `cause`. */
export function toComfyError(error: unknown, server: string, operation: string): ComfyTetherError {
  if (isComfyTetherError(error))
    return error
  if (!axios.isAxiosError(error))
    return new RequestFailedError(server, operation, undefined, error instanceof Error ? error.message : String(error), { cause: error })
  const response = error.response
  if (!response) {
    const detail = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'
      ? `no answer within ${error.config?.timeout ?? '?'} ms`
      : `no answer (${error.code ?? error.message})`
    return new ServerUnreachableError(server, operation, detail, { cause: error })
  }
  if (response.status === 502 || response.status === 503 || response.status === 504)
    return new ServerUnreachableError(server, operation, `HTTP ${response.status} from a proxy or the server (${bodySnippet(response.data)})`, { cause: error })
  return new RequestFailedError(server, operation, response.status, bodySnippet(response.data), { cause: error })
}

/** Fails with a `ProtocolError` unless `data` is a JSON object. */
export function expectJsonObject(data: unknown, server: string, operation: string): Record<string, unknown> {
  if (typeof data === 'object' && data !== null && !Array.isArray(data))
    return data as Record<string, unknown>
  throw new ProtocolError(server, `${operation} answered ${describe(data)} where a JSON object was expected`)
}

function describe(data: unknown): string {
  if (typeof data === 'string')
    return data.trim() === '' ? 'an empty body' : `text "${bodySnippet(data)}"`
  return Array.isArray(data) ? 'a JSON array' : `a ${typeof data}`
}

/** The first readable bit of a body, with any HTML tags removed, for messages. */
export function bodySnippet(data: unknown): string {
  const text = typeof data === 'string' ? data : data === undefined || data === null ? '' : safeJson(data)
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()
  if (plain === '')
    return 'empty body'
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain
}

function safeJson(data: unknown): string {
  try {
    return JSON.stringify(data)
  }
  catch {
    return String(data)
  }
}
