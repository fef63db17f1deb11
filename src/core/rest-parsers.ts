import type { ComfyNodeError } from './errors'
import type { JobInfo, JobList, PromptAccepted, PromptErrorBody, PromptErrorInfo, QueueItem, QueueSnapshot, ServerFeatures, SystemStats, UploadResult } from './api-types'
import type { ParseResult } from './parse-result'
import { checkHistoryStatus, checkOutputs, checkQueueItem } from './history-parsers'
import { checkExecutionError, checkFeatures, fail, isComfyImageRef, isObj, isStringArray, notObject, ok } from './json-checks'

// Parsers of ComfyUI's HTTP answers besides `/history` (history-parsers.ts). All take the already JSON-decoded body
// (what axios gives as `data`) and never throw.

function normalizeNodeErrors(v: unknown, path: string): ParseResult<Record<string, ComfyNodeError>> {
  // Servers before mid-2023 sent `[]` for "no node errors".
  if (Array.isArray(v) && v.length === 0)
    return ok({})
  if (!isObj(v))
    return fail(`${path} is not an object`)
  const out: Record<string, ComfyNodeError> = {}
  for (const id in v) {
    const entry = v[id]
    if (!isObj(entry) || !Array.isArray(entry.errors))
      return fail(`${path}["${id}"].errors is not an array`)
    const errors: ComfyNodeError['errors'] = []
    for (let i = 0; i < entry.errors.length; i++) {
      const e: unknown = entry.errors[i]
      if (!isObj(e) || typeof e.type !== 'string' || typeof e.message !== 'string')
        return fail(`${path}["${id}"].errors[${i}] has no string type and message`)
      errors.push({
        type: e.type,
        message: e.message,
        details: typeof e.details === 'string' ? e.details : '',
        ...(isObj(e.extra_info) ? { extra_info: e.extra_info } : {}),
      })
    }
    const node: ComfyNodeError = { errors }
    if (isStringArray(entry.dependent_outputs))
      node.dependent_outputs = entry.dependent_outputs
    // class_type is null when the node has none; drop it rather than refuse the whole answer.
    if (typeof entry.class_type === 'string')
      node.class_type = entry.class_type
    out[id] = node
  }
  return ok(out)
}

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
 * Parses `GET /queue` into prompt id lists plus the raw items.
 * @param json - the decoded response body
 */
export function parseQueue(json: unknown): ParseResult<QueueSnapshot> {
  if (!isObj(json))
    return notObject('queue', json)
  const { queue_running: running, queue_pending: pending } = json
  if (!Array.isArray(running))
    return fail('queue.queue_running is not an array')
  if (!Array.isArray(pending))
    return fail('queue.queue_pending is not an array')
  for (let i = 0; i < running.length; i++) {
    const reason = checkQueueItem(running[i], `queue.queue_running[${i}]`)
    if (reason !== undefined)
      return fail(reason)
  }
  for (let i = 0; i < pending.length; i++) {
    const reason = checkQueueItem(pending[i], `queue.queue_pending[${i}]`)
    if (reason !== undefined)
      return fail(reason)
  }
  const runningItems = running as QueueItem[]
  // The server returns its heap as is, which is not run order; the number is.
  const pendingItems = (pending as QueueItem[]).slice().sort((a, b) => a[0] - b[0])
  return ok({
    running: runningItems.map(item => item[1]),
    pending: pendingItems.map(item => item[1]),
    runningItems,
    pendingItems,
  })
}

/**
 * Parses `GET /prompt` (`{exec_info: {queue_remaining}}`): how many prompts are running or pending.
 * @param json - the decoded response body
 */
export function parseQueueRemaining(json: unknown): ParseResult<number> {
  if (!isObj(json))
    return notObject('GET /prompt answer', json)
  const info = json.exec_info
  if (!isObj(info) || typeof info.queue_remaining !== 'number')
    return fail('exec_info.queue_remaining is not a number')
  return ok(info.queue_remaining)
}

/**
 * Parses the 200 answer of `POST /prompt`.
 * @param json - the decoded response body
 */
export function parsePromptAccepted(json: unknown): ParseResult<PromptAccepted> {
  if (!isObj(json))
    return notObject('POST /prompt answer', json)
  if (typeof json.prompt_id !== 'string' || json.prompt_id === '')
    return fail('prompt_id is not a non-empty string')
  if (typeof json.number !== 'number')
    return fail('number is not a number')
  const nodeErrors = json.node_errors === undefined ? ok({}) : normalizeNodeErrors(json.node_errors, 'node_errors')
  if (!nodeErrors.ok)
    return nodeErrors
  return ok({ prompt_id: json.prompt_id, number: json.number, node_errors: nodeErrors.value })
}

/**
 * Parses the 400 answer of `POST /prompt`. A 500 (non-JSON request body) comes as text and gives `ok: false`.
 * @param json - the decoded response body
 */
export function parsePromptError(json: unknown): ParseResult<PromptErrorBody> {
  if (!isObj(json))
    return notObject('POST /prompt error answer', json)
  let error: PromptErrorInfo
  const e = json.error
  if (typeof e === 'string') {
    // Servers before mid-2023 sent `{"error": "no prompt", "node_errors": []}`.
    error = { type: 'error', message: e, details: '', extra_info: {} }
  }
  else if (isObj(e) && typeof e.type === 'string' && typeof e.message === 'string') {
    error = {
      type: e.type,
      message: e.message,
      details: typeof e.details === 'string' ? e.details : '',
      extra_info: isObj(e.extra_info) ? e.extra_info : {},
    }
  }
  else {
    return fail('error is not an object with string type and message')
  }
  const nodeErrors = json.node_errors === undefined ? ok({}) : normalizeNodeErrors(json.node_errors, 'node_errors')
  if (!nodeErrors.ok)
    return nodeErrors
  return ok({ error, node_errors: nodeErrors.value })
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
 * Parses the 200 answer of `POST /upload/image`. A 400 has an empty body and is not parsed here.
 * @param json - the decoded response body
 */
export function parseUploadResult(json: unknown): ParseResult<UploadResult> {
  if (!isObj(json))
    return notObject('upload answer', json)
  if (typeof json.name !== 'string' || json.name === '')
    return fail('name is not a non-empty string')
  if (typeof json.subfolder !== 'string')
    return fail('subfolder is not a string')
  if (typeof json.type !== 'string')
    return fail('type is not a string')
  return ok({ name: json.name, subfolder: json.subfolder, type: json.type })
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
