import type { AxiosInstance } from 'axios'
import axios from 'axios'
import type { HistoryEntry, PromptAccepted, QueueSnapshot, UploadResult } from '../core/api-types'
import type { JobStatus, JobSummary } from '../core/jobs-parsers'
import { parseJobCancel, parseJobList } from '../core/jobs-parsers'
import { parseHistory } from '../core/history-parsers'
import { parsePromptAccepted, parsePromptError, parseQueue, parseQueueRemaining, parseUploadResult } from '../core/task-parsers'
import type { ParseResult } from '../core/protocol'
import { isComfyTetherError, PromptRejectedError, ProtocolError, UploadFailedError } from '../core/errors'
import { expectJsonObject, toComfyError } from './to-comfy-error'

/**
 * Typed ComfyUI calls. Each names its server explicitly and, when it belongs to a task, the task's prompt id, so the
 * interceptor of `createComfyHttp` can check it against the lock.
 */
export interface ComfyApi {
  /** `GET /prompt`: running + pending prompts on the server. */
  queueRemaining: (server: string, timeout?: number) => Promise<number>
  /** `POST /prompt` with a client-minted prompt id. */
  queuePrompt: (request: QueuePromptRequest) => Promise<PromptAccepted>
  /** `GET /history/{id}`: the entry, or `null` when the server has none. */
  history: (server: string, promptId: string) => Promise<HistoryEntry | null>
  /**
   * `GET /history` (every entry the server keeps), read for `promptIds`: one request for many tasks, each `null` when
   * the server has no entry for it.
   */
  histories: (server: string, promptIds: readonly string[]) => Promise<Map<string, HistoryEntry | null>>
  /** `GET /queue`: running and pending prompt ids. */
  queue: (server: string, promptId?: string) => Promise<QueueSnapshot>
  /** `POST /upload/image` (multipart). */
  uploadImage: (request: UploadImageRequest) => Promise<UploadResult>
  /** `POST /interrupt` for one running prompt. */
  interrupt: (server: string, promptId: string) => Promise<void>
  /** `POST /queue {delete}`: remove pending prompts. */
  deleteQueued: (server: string, promptIds: readonly string[]) => Promise<void>
  /**
   * Does the server use a client-minted `prompt_id`? `GET /features` exists from ComfyUI 0.3.45 on, the release that
   * started to honour it; older servers answer 404 and mint their own ids.
   */
  honoursClientPromptIds: (server: string) => Promise<boolean>
  /**
   * `GET /api/jobs?status=…`: the jobs in those states (ComfyUI 0.33 and later), or `null` when the server has no jobs
   * API (it answers 404).
   */
  jobs: (server: string, statuses: readonly JobStatus[]) => Promise<JobSummary[] | null>
  /**
   * `POST /api/jobs/{id}/cancel`: `true` when the server dequeued or interrupted that prompt, `false` when it had nothing
   * to cancel (ended, unknown), `null` when the server has no jobs API (it answers 404).
   */
  cancelJob: (server: string, promptId: string) => Promise<boolean | null>
}

/** The body of a `POST /prompt`. */
export interface QueuePromptRequest {
  server: string
  promptId: string
  clientId: string
  prompt: Record<string, unknown>
  extraData?: Record<string, unknown>
}

/** An image upload. */
export interface UploadImageRequest {
  server: string
  file: Blob
  filename: string
  promptId?: string
  subfolder?: string
  type?: 'input' | 'temp' | 'output'
  overwrite?: boolean
}

/** The two calls of an axios instance that comfy-tether's requests are made with (an `AxiosInstance` is one). */
export type ComfyRequester = Pick<AxiosInstance, 'get' | 'post'>

/** A 404 from a jobs route: the server predates the jobs API (ComfyUI 0.3.x answers `404: Not Found`). */
function noJobsApi(error: unknown): boolean {
  return isComfyTetherError(error, 'REQUEST_FAILED') && error.status === 404
}

/** Builds the typed calls over an axios instance (normally the one from `createComfyHttp`). */
export function createComfyApi(http: ComfyRequester): ComfyApi {
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
