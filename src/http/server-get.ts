import type { ComfyRequester } from './comfy-api'
import axios from 'axios'
import type { ParseResult } from '../core/parse-result'
import { ProtocolError } from '../core/errors'
import { toComfyError } from './to-comfy-error'

function is404(error: unknown): boolean {
  return axios.isAxiosError(error) && error.response?.status === 404
}

/** One `GET` of the server API: its answer parsed, or `options.absent` for a 404 when given; fails with a `ComfyTetherError`. */
export type ServerGet = <T>(server: string, path: string, operation: string, parse: (data: unknown) => ParseResult<T>, options?: { params?: Record<string, unknown>, promptId?: string, absent?: T }) => Promise<T>

/** The `GET` the server API's calls share, over `http`. */
export function createServerGet(http: ComfyRequester): ServerGet {
  return async function get<T>(server: string, path: string, operation: string, parse: (data: unknown) => ParseResult<T>, options: { params?: Record<string, unknown>, promptId?: string, absent?: T } = {}): Promise<T> {
    let data: unknown
    try {
      data = (await http.get(path, { baseURL: server, params: options.params, comfy: { operation, promptId: options.promptId } })).data
    }
    catch (error) {
      if ('absent' in options && is404(error))
        return options.absent as T
      throw toComfyError(error, server, operation)
    }
    const parsed = parse(data)
    if (!parsed.ok)
      throw new ProtocolError(server, `${operation}: ${parsed.reason}`)
    return parsed.value
  }
}
