import type { JobInfo, JobList, ServerFeatures, SystemStats } from './api-types'
import type { ParseResult } from './parse-result'
import { checkHistoryStatus, checkOutputs } from './history-parsers'
import { checkExecutionError, checkFeatures, fail, isComfyImageRef, isObj, notObject, ok } from './json-checks'

// Parsers of ComfyUI's HTTP answers besides `/history` (history-parsers.ts). All take the already JSON-decoded body
// (what axios gives as `data`) and never throw. Those of a task's own calls are in task-parsers.ts (loaded with every
// app); the rest, behind the server API (`/api/jobs`, `/system_stats`, `/features`), load with its first call.
export { parsePromptAccepted, parsePromptError, parseQueue, parseQueueRemaining, parseUploadResult } from './task-parsers'

function checkJob(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  if (typeof v.id !== 'string')
    return `${path}.id is not a string`
  const s = v.status
  if (s !== 'pending' && s !== 'in_progress' && s !== 'completed' && s !== 'failed' && s !== 'cancelled')
    return `${path}.status ${JSON.stringify(s) ?? 'undefined'} is not one of pending, in_progress, completed, failed, cancelled`
  for (const key of ['priority', 'create_time', 'execution_start_time', 'execution_end_time', 'outputs_count', 'previewable_outputs_count'] as const) {
    if (v[key] !== undefined && v[key] !== null && typeof v[key] !== 'number')
      return `${path}.${key} is not a number`
  }
  if (v.preview_output !== undefined && v.preview_output !== null && !isComfyImageRef(v.preview_output))
    return `${path}.preview_output is not an image reference`
  if (v.outputs !== undefined && v.outputs !== null) {
    const reason = checkOutputs(v.outputs, `${path}.outputs`)
    if (reason !== undefined)
      return reason
  }
  if (v.execution_status !== undefined && v.execution_status !== null) {
    const reason = checkHistoryStatus(v.execution_status, `${path}.execution_status`)
    if (reason !== undefined)
      return reason
  }
  if (v.execution_error !== undefined && v.execution_error !== null) {
    if (!isObj(v.execution_error))
      return `${path}.execution_error is not an object`
    return checkExecutionError(v.execution_error, `${path}.execution_error`)
  }
  return undefined
}

/**
 * Parses `GET /api/jobs/{id}` (ComfyUI 0.6.0 and later; older servers answer 404).
 * @param json - the decoded response body
 */
export function parseJob(json: unknown): ParseResult<JobInfo> {
  if (!isObj(json))
    return notObject('job', json)
  const reason = checkJob(json, 'job')
  return reason === undefined ? ok(json as unknown as JobInfo) : fail(reason)
}

/**
 * Parses `GET /api/jobs` (ComfyUI 0.6.0 and later; older servers answer 404).
 * @param json - the decoded response body
 */
export function parseJobList(json: unknown): ParseResult<JobList> {
  if (!isObj(json))
    return notObject('job list', json)
  const jobs = json.jobs
  if (!Array.isArray(jobs))
    return fail('jobs is not an array')
  for (let i = 0; i < jobs.length; i++) {
    const reason = checkJob(jobs[i], `jobs[${i}]`)
    if (reason !== undefined)
      return fail(reason)
  }
  const p = json.pagination
  if (p !== undefined && !(isObj(p) && typeof p.offset === 'number' && typeof p.total === 'number' && typeof p.has_more === 'boolean'))
    return fail('pagination is not {offset, limit, total, has_more}')
  return ok(json as unknown as JobList)
}

/**
 * Parses `GET /system_stats`, checking the fields a client relies on (OS, ComfyUI version, devices).
 * @param json - the decoded response body
 */
export function parseSystemStats(json: unknown): ParseResult<SystemStats> {
  if (!isObj(json))
    return notObject('system_stats', json)
  const system = json.system
  if (!isObj(system))
    return fail('system is not an object')
  if (typeof system.os !== 'string')
    return fail('system.os is not a string')
  for (const key of ['comfyui_version', 'python_version', 'pytorch_version'] as const) {
    if (system[key] !== undefined && typeof system[key] !== 'string')
      return fail(`system.${key} is not a string`)
  }
  for (const key of ['ram_total', 'ram_free'] as const) {
    if (system[key] !== undefined && typeof system[key] !== 'number')
      return fail(`system.${key} is not a number`)
  }
  const devices = json.devices
  if (!Array.isArray(devices))
    return fail('devices is not an array')
  for (let i = 0; i < devices.length; i++) {
    const d: unknown = devices[i]
    if (!isObj(d) || typeof d.name !== 'string' || typeof d.type !== 'string')
      return fail(`devices[${i}] has no string name and type`)
  }
  return ok(json as unknown as SystemStats)
}

/**
 * Parses `GET /features` (0.3.45 and later; older servers answer 404, meaning "no flags").
 * @param json - the decoded response body
 */
export function parseFeatures(json: unknown): ParseResult<ServerFeatures> {
  if (!isObj(json))
    return notObject('features', json)
  const reason = checkFeatures(json, 'features')
  return reason === undefined ? ok(json as ServerFeatures) : fail(reason)
}
