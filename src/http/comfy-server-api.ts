import type { ComfyRequester } from './comfy-api'
import type { History, JobInfo, JobList, JobStatus, ServerFeatures, SystemStats } from '../core/api-types'
import type { ObjectInfo } from '../core/object-info'
import type { ServerApiCalls } from './server-api-calls'
import { lazyChunk } from '../core/lazy-chunk'
import { configuredServer } from '../core/server-identity'

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

/**
 * Builds the calls over an axios instance (normally the one from `createComfyHttp`). The calls and the parsers of
 * their answers load with the first of them (a submit's checks read node info with `objectInfo`).
 * @param servers - the configured servers: each call's server is then read as one of them, however it is spelled
 *   (a trailing slash, host case, a default port), and a server not among them is refused with `INVALID_SERVER_URL`
 */
export function createComfyServerApi(http: ComfyRequester, servers?: () => readonly string[]): ComfyServerApi {
  const at = (server: string, call: string): string => servers ? configuredServer(server, servers(), call) : server
  const loadCalls = lazyChunk('server API calls (node info, models, system stats, jobs, …)', () => import('./server-api-calls'))
  let calls: ServerApiCalls | undefined
  const load = async (): Promise<ServerApiCalls> => calls ??= (await loadCalls()).createServerApiCalls(http)
  function later<K extends keyof ServerApiCalls>(name: K): ServerApiCalls[K] {
    return (async (server: string, ...args: unknown[]) => {
      const target = at(server, name)
      return ((await load())[name] as (...a: unknown[]) => unknown)(target, ...args)
    }) as ServerApiCalls[K]
  }

  return {
    objectInfo: later('objectInfo'),
    modelFolders: later('modelFolders'),
    models: later('models'),
    systemStats: later('systemStats'),
    free: later('free'),
    embeddings: later('embeddings'),
    features: later('features'),
    historyList: later('historyList'),
    jobs: later('jobs'),
    job: later('job'),
  }
}
