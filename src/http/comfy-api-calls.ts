// The typed ComfyUI calls themselves, with the decoders of their answers: a chunk of its own that the client starts
// loading in the background when it is created (see `createComfyApi` in comfy-api.ts).
import axios from 'axios'
import type { ComfyApi, ComfyRequester } from './comfy-api'
import type { ParseResult } from '../core/protocol'
import type { HistoryEntry } from '../core/api-types'
import { parseJobCancel, parseJobList } from '../core/jobs-parsers'
import { parseHistory } from '../core/history-parsers'
import { parsePromptAccepted, parsePromptError, parseQueue, parseQueueRemaining, parseUploadResult } from '../core/task-parsers'
import { isComfyTetherError, ProtocolError } from '../core/errors'
import { PromptRejectedError, UploadFailedError } from '../core/request-errors'
import { expectJsonObject, toComfyError } from './to-comfy-error'

/** A 404 from a jobs route: the server predates the jobs API (ComfyUI 0.3.x answers `404: Not Found`). */
function noJobsApi(error: unknown): boolean {
  return isComfyTetherError(error, 'REQUEST_FAILED') && error.status === 404
}

/** Builds the typed calls over an axios instance (see `createComfyApi`). */
export function createComfyApiCalls(http: ComfyRequester): ComfyApi {
  async function call<T>(server: string, operation: string, promptId: string | undefined, run: (meta: { baseURL: string, comfy: { operation: string, promptId?: string } }) => Promise<{ data: unknown }>, parse: (data: unknown) => ParseResult<T>): Promise<T> {
    let data: unknown
    try {
      data = (await run({ baseURL: server, comfy: { operation, promptId } })).data
    }
    catch (error) {
      throw toComfyError(error, server, operation)
    }
    const parsed = parse(data)
    if (!parsed.ok)
      throw new ProtocolError(server, `${operation}: ${parsed.reason}`)
    return parsed.value
  }

  return {
    queueRemaining: (server, timeout) => call(server, 'GET /prompt', undefined, meta => http.get('/prompt', { ...meta, timeout }), data => parseQueueRemaining(expectJsonObject(data, server, 'GET /prompt'))),

    async queuePrompt({ server, promptId, clientId, prompt, extraData }) {
      const operation = 'POST /prompt'
      const body = { prompt, client_id: clientId, prompt_id: promptId, ...(extraData ? { extra_data: extraData } : {}) }
      try {
        const { data } = await http.post('/prompt', body, { baseURL: server, comfy: { operation, promptId } })
        const parsed = parsePromptAccepted(expectJsonObject(data, server, operation))
        if (!parsed.ok)
          throw new ProtocolError(server, `${operation}: ${parsed.reason}`)
        return parsed.value
      }
      catch (error) {
        if (axios.isAxiosError(error) && error.response?.status === 400) {
          const rejected = parsePromptError(error.response.data)
          if (rejected.ok) {
            const { error: e, node_errors } = rejected.value
            throw new PromptRejectedError(server, e.type, e.message, node_errors, e.details, e.extra_info)
          }
        }
        throw toComfyError(error, server, operation)
      }
    },

    history: (server, promptId) => call(server, `GET /history/${promptId}`, promptId, meta => http.get(`/history/${encodeURIComponent(promptId)}`, meta), data => parseHistory(expectJsonObject(data, server, 'GET /history'), promptId)),

    histories: (server, promptIds) => call(server, 'GET /history', undefined, meta => http.get('/history', meta), (data) => {
      const json = expectJsonObject(data, server, 'GET /history')
      const out = new Map<string, HistoryEntry | null>()
      for (const id of promptIds) {
        const entry = parseHistory(json, id)
        if (!entry.ok)
          return entry
        out.set(id, entry.value)
      }
      return { ok: true, value: out }
    }),

    queue: (server, promptId) => call(server, 'GET /queue', promptId, meta => http.get('/queue', meta), data => parseQueue(expectJsonObject(data, server, 'GET /queue'))),

    async uploadImage({ server, file, filename, promptId, subfolder, type = 'input', overwrite = false }) {
      const form = new FormData()
      form.append('image', file, filename)
      form.append('type', type)
      if (subfolder)
        form.append('subfolder', subfolder)
      if (overwrite)
        form.append('overwrite', 'true')
      try {
        return await call(server, 'POST /upload/image', promptId, meta => http.post('/upload/image', form, meta), data => parseUploadResult(expectJsonObject(data, server, 'POST /upload/image')))
      }
      catch (error) {
        if (error instanceof Error && 'code' in error && (error.code === 'SERVER_MISMATCH' || error.code === 'CLIENT_DISPOSED'))
          throw error
        throw new UploadFailedError(server, filename, error instanceof Error ? error.message.replace(/^\[comfy-tether\] /, '') : String(error), { cause: error })
      }
    },

    async interrupt(server, promptId) {
      await call(server, 'POST /interrupt', promptId, meta => http.post('/interrupt', { prompt_id: promptId }, meta), () => ({ ok: true, value: undefined }))
    },

    async honoursClientPromptIds(server) {
      try {
        await http.get('/features', { baseURL: server, comfy: { operation: 'GET /features' } })
        return true
      }
      catch (error) {
        if (axios.isAxiosError(error) && error.response?.status === 404)
          return false
        throw toComfyError(error, server, 'GET /features')
      }
    },

    async jobs(server, statuses) {
      try {
        return await call(server, 'GET /api/jobs', undefined, meta => http.get('/api/jobs', { ...meta, params: { status: statuses.join(',') } }), data => parseJobList(expectJsonObject(data, server, 'GET /api/jobs')))
      }
      catch (error) {
        if (noJobsApi(error))
          return null
        throw error
      }
    },

    async cancelJob(server, promptId) {
      try {
        return await call(server, `POST /api/jobs/${promptId}/cancel`, promptId, meta => http.post(`/api/jobs/${encodeURIComponent(promptId)}/cancel`, undefined, meta), data => parseJobCancel(data))
      }
      catch (error) {
        if (noJobsApi(error))
          return null
        throw error
      }
    },

    async deleteQueued(server, promptIds) {
      await call(server, 'POST /queue', promptIds[0], meta => http.post('/queue', { delete: promptIds }, meta), () => ({ ok: true, value: undefined }))
    },
  }
}
