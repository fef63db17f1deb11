// Loaded with the first call of the server API (see comfy-server-api.ts), with the parsers of their answers: an app
// that never submits, reads node info, lists jobs or models never loads them.
import type { ComfyRequester } from './comfy-api'
import type { ComfyServerApi } from './comfy-server-api'
import type { JobInfo, JobList, ServerFeatures } from '../core/api-types'
import { parseHistory } from '../core/history-parsers'
import { parseObjectInfo } from '../core/object-info'
import { parseFeatures, parseJob, parseJobList, parseSystemStats } from '../core/rest-parsers'
import { parseNameList } from '../core/server-lists'
import { createServerGet } from './server-get'
import { expectJsonObject, toComfyError } from './to-comfy-error'

/** The server API's calls. */
export type ServerApiCalls = ComfyServerApi

/** Builds them over `http`. */
export function createServerApiCalls(http: ComfyRequester): ServerApiCalls {
  const get = createServerGet(http)
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
