import type { AxiosInstance } from 'axios'
import axios from 'axios'
import type { History, JobInfo, JobList, JobStatus, ServerFeatures, SystemStats } from '../core/api-types'
import { parseHistory } from '../core/history-parsers'
import { parseFeatures, parseJob, parseJobList, parseSystemStats } from '../core/rest-parsers'
import { ProtocolError } from '../core/errors'
import type { ObjectInfo } from '../core/object-info'
import { parseObjectInfo } from '../core/object-info'
import type { ParseResult } from '../core/protocol'
import { parseNameList } from '../core/server-lists'
import { expectJsonObject, toComfyError } from './to-comfy-error'

/** Options of {@link ComfyServerApi.jobs} (`GET /api/jobs`, ComfyUI 0.6.0 and later). */
export interface JobListQuery {
  status?: readonly JobStatus[]
  /** @default all */
  limit?: number
  /** @default 0 */
  offset?: number
  sortBy?: 'created_at' | 'execution_duration'
  sortOrder?: 'asc' | 'desc'
}

/** Options of {@link ComfyServerApi.free} (`POST /free`). */
export interface FreeOptions {
  /** Unload every model from memory. @default true */
  unloadModels?: boolean
  /** Free cached memory too. @default true */
  freeMemory?: boolean
}

/**
 * The rest of the ComfyUI API an app needs, beside the task calls of `ComfyApi`. Every call names its server; the
 * interceptor of `createComfyHttp` refuses it when the client is locked to another one.
 */
export interface ComfyServerApi {
  /** `GET /object_info`: every node class the server has, or just `nodeClass` (`{}` when it has no such class). */
  objectInfo: (server: string, nodeClass?: string) => Promise<ObjectInfo>
  /** `GET /models`: the model folder names (`checkpoints`, `loras`, …). */
  modelFolders: (server: string) => Promise<string[]>
  /** `GET /models/{folder}`: the files of one model folder. Fails with `REQUEST_FAILED` (HTTP 404) for an unknown folder. */
  models: (server: string, folder: string) => Promise<string[]>
  /** `GET /system_stats`: version, OS, devices and their memory. */
  systemStats: (server: string) => Promise<SystemStats>
  /** `POST /free`: unload models and/or free memory. */
  free: (server: string, options?: FreeOptions) => Promise<void>
  /** `GET /embeddings`: the embedding names. */
  embeddings: (server: string) => Promise<string[]>
  /** `GET /features`, or `null` on servers before 0.3.45 (which answer 404). */
  features: (server: string) => Promise<ServerFeatures | null>
  /** `GET /history?max_items=…`: the latest entries (all with no limit). */
  historyList: (server: string, options?: { maxItems?: number, offset?: number }) => Promise<History>
  /** `GET /api/jobs`, or `null` on servers without the jobs API (before 0.6.0: 404). */
  jobs: (server: string, query?: JobListQuery) => Promise<JobList | null>
  /** `GET /api/jobs/{id}`, or `null` when the server has no such job or no jobs API. */
  job: (server: string, promptId: string) => Promise<JobInfo | null>
}

function is404(error: unknown): boolean {
  return axios.isAxiosError(error) && error.response?.status === 404
}

/** Builds the calls over an axios instance (normally the one from `createComfyHttp`). */
export function createComfyServerApi(http: AxiosInstance): ComfyServerApi {
  async function get<T>(server: string, path: string, operation: string, parse: (data: unknown) => ParseResult<T>, options: { params?: Record<string, unknown>, promptId?: string, absent?: T } = {}): Promise<T> {
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

  return {
    objectInfo: (server, nodeClass) => nodeClass === undefined
      ? get(server, '/object_info', 'GET /object_info', data => parseObjectInfo(expectJsonObject(data, server, 'GET /object_info')))
      : get(server, `/object_info/${encodeURIComponent(nodeClass)}`, `GET /object_info/${nodeClass}`, data => parseObjectInfo(expectJsonObject(data, server, 'GET /object_info'))),
    modelFolders: server => get(server, '/models', 'GET /models', data => parseNameList(data, 'GET /models')),
    models: (server, folder) => get(server, `/models/${encodeURIComponent(folder)}`, `GET /models/${folder}`, data => parseNameList(data, `GET /models/${folder}`)),
    systemStats: server => get(server, '/system_stats', 'GET /system_stats', data => parseSystemStats(expectJsonObject(data, server, 'GET /system_stats'))),
    async free(server, { unloadModels = true, freeMemory = true } = {}) {
      try {
        await http.post('/free', { unload_models: unloadModels, free_memory: freeMemory }, { baseURL: server, comfy: { operation: 'POST /free' } })
      }
      catch (error) {
        throw toComfyError(error, server, 'POST /free')
      }
    },
    embeddings: server => get(server, '/embeddings', 'GET /embeddings', data => parseNameList(data, 'GET /embeddings')),
    features: server => get<ServerFeatures | null>(server, '/features', 'GET /features', data => parseFeatures(expectJsonObject(data, server, 'GET /features')), { absent: null }),
    historyList: (server, { maxItems, offset } = {}) => get(server, '/history', 'GET /history', data => parseHistory(expectJsonObject(data, server, 'GET /history')), {
      params: { ...(maxItems !== undefined ? { max_items: maxItems } : {}), ...(offset !== undefined ? { offset } : {}) },
    }),
    jobs: (server, query = {}) => get<JobList | null>(server, '/api/jobs', 'GET /api/jobs', data => parseJobList(expectJsonObject(data, server, 'GET /api/jobs')), {
      absent: null,
      params: {
        ...(query.status?.length ? { status: query.status.join(',') } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.offset !== undefined ? { offset: query.offset } : {}),
        ...(query.sortBy ? { sort_by: query.sortBy } : {}),
        ...(query.sortOrder ? { sort_order: query.sortOrder } : {}),
      },
    }),
    job: (server, promptId) => get<JobInfo | null>(server, `/api/jobs/${encodeURIComponent(promptId)}`, `GET /api/jobs/${promptId}`, data => parseJob(expectJsonObject(data, server, 'GET /api/jobs')), { promptId, absent: null }),
  }
}
