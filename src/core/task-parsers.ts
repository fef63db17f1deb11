import type { ComfyNodeError } from './errors'
import type { PromptAccepted, PromptErrorBody, PromptErrorInfo, QueueItem, QueueSnapshot, UploadResult } from './api-types'
import type { ParseResult } from './parse-result'
import { checkQueueItem } from './history-parsers'
import { fail, isObj, isStringArray, notObject, ok } from './json-checks'

// Parsers of ComfyUI's answers to the calls a task makes (`/queue`, `/prompt`, `/upload/image`); `/history` is in
// history-parsers.ts. All take the already JSON-decoded body (what axios gives as `data`) and never throw.

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
