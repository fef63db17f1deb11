import type { ComfyNodeError } from './errors'
import type { ExecutionErrorData, ParseResult } from './protocol'

// ---------------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------------

/**
 * A file ComfyUI wrote or holds, as it appears in `executed.output.images`, in `/history` outputs and in `/view` queries.
 * `type` is the folder kind: `'output'` (SaveImage), `'temp'` (PreviewImage) or `'input'` (uploads).
 */
export interface ComfyImageRef {
  filename: string
  subfolder: string
  type: string
}

/**
 * What one output node produced. `images` is checked; other keys (`text`, `gifs`, `audio`, …) come from
 * custom nodes and are passed through untouched.
 */
export interface NodeOutput {
  images?: ComfyImageRef[]
  [key: string]: unknown
}

/** Outputs of a prompt, keyed by node id. */
export type NodeOutputs = Record<string, NodeOutput>

/** The `extra_data` of a queued prompt. `client_id` is the socket that receives the prompt's messages. */
export interface QueueItemExtraData {
  client_id?: string
  /** Epoch milliseconds (0.3.44 and later). */
  create_time?: number
  [key: string]: unknown
}

/**
 * One prompt as ComfyUI stores it in `/queue` and in `history[id].prompt`.
 * The first element orders the queue (lower runs first; `front: true` submissions get negative numbers).
 */
export type QueueItem = [
  number: number,
  promptId: string,
  prompt: Record<string, unknown>,
  extraData: QueueItemExtraData,
  outputsToExecute: string[],
]

/** `GET /queue`, with the prompt ids already extracted. */
export interface QueueSnapshot {
  /** Ids of the running prompt(s), in server order. */
  running: string[]
  /** Ids of pending prompts in the order they will run (sorted by queue number). */
  pending: string[]
  /** The raw `queue_running` items, same order as {@link QueueSnapshot.running}. */
  runningItems: QueueItem[]
  /** The raw `queue_pending` items, same order as {@link QueueSnapshot.pending}. */
  pendingItems: QueueItem[]
}

/** One `[type, data]` entry of `history[id].status.messages`, e.g. `['execution_error', {...}]`. */
export type HistoryStatusMessage = [type: string, data: Record<string, unknown>]

/** How a prompt ended, as stored in its history entry. */
export interface HistoryStatus {
  /** `'error'` both for a node that raised and for an interrupted run; see {@link historyOutcome}. */
  status_str: 'success' | 'error'
  completed: boolean
  messages: HistoryStatusMessage[]
}

/** One entry of `GET /history` or `GET /history/{id}`. */
export interface HistoryEntry {
  prompt: QueueItem
  outputs: NodeOutputs
  status?: HistoryStatus
  /** Per output node display information (0.3.44 and later); not checked. */
  meta?: Record<string, unknown>
}

/** `GET /history`: entries keyed by prompt id. */
export type History = Record<string, HistoryEntry>

/** `POST /prompt` answered 200: the prompt is queued. */
export interface PromptAccepted {
  prompt_id: string
  /** Queue number; restarts at 0 when the server restarts. */
  number: number
  /** Outputs that failed validation while others were accepted; usually `{}`. */
  node_errors: Record<string, ComfyNodeError>
}

/** The top-level error of a rejected prompt. */
export interface PromptErrorInfo {
  /** E.g. `'prompt_outputs_failed_validation'`, `'missing_node_type'`, `'no_prompt'`, `'invalid_prompt'`. */
  type: string
  message: string
  details: string
  extra_info: Record<string, unknown>
}

/** `POST /prompt` answered 400: why the workflow was refused. */
export interface PromptErrorBody {
  error: PromptErrorInfo
  node_errors: Record<string, ComfyNodeError>
}

/** Status of a job in `/api/jobs` (ComfyUI 0.6.0 and later). */
export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled'

/** `GET /api/jobs/{id}` or one item of `GET /api/jobs` (ComfyUI 0.6.0 and later). */
export interface JobInfo {
  id: string
  status: JobStatus
  priority?: number
  /** Epoch milliseconds. */
  create_time?: number
  execution_start_time?: number
  execution_end_time?: number
  outputs_count?: number
  previewable_outputs_count?: number
  preview_output?: ComfyImageRef & { nodeId?: string, mediaType?: string }
  /** Only on the single-job route. */
  outputs?: NodeOutputs
  /** Only on the single-job route; the same object as a history entry's `status`. */
  execution_status?: HistoryStatus
  execution_error?: ExecutionErrorData
  /** Only on the single-job route; not checked. */
  workflow?: { prompt?: Record<string, unknown>, extra_data?: Record<string, unknown>, [key: string]: unknown }
}

/** `GET /api/jobs`. */
export interface JobList {
  jobs: JobInfo[]
  pagination?: { offset: number, limit: number | null, total: number, has_more: boolean }
}

/** `POST /upload/image` answered 200. Use `subfolder ? `${subfolder}/${name}` : name` as a LoadImage input. */
export interface UploadResult {
  /** The stored name; differs from the sent one when a different file of that name existed (`"a (1).png"`). */
  name: string
  subfolder: string
  type: string
}

/** One device of `GET /system_stats`. */
export interface SystemDevice {
  name: string
  type: string
  vram_total?: number
  vram_free?: number
  [key: string]: unknown
}

/** `GET /system_stats`, reduced to what a client checks: that it is ComfyUI, which version, which devices. */
export interface SystemStats {
  system: {
    os: string
    /** Missing on servers older than 2024. */
    comfyui_version?: string
    python_version?: string
    pytorch_version?: string
    ram_total?: number
    ram_free?: number
    [key: string]: unknown
  }
  devices: SystemDevice[]
}

/** `GET /features` and the `feature_flags` socket reply (ComfyUI 0.3.45 and later; 404 before). */
export interface ServerFeatures {
  /** The server sends binary type 4 previews (with node and prompt ids) to clients that announce this flag. */
  supports_preview_metadata?: boolean
  /** Bytes. */
  max_upload_size?: number
  [key: string]: unknown
}

/** The failure data a client shows, taken from an `execution_error` message. */
export interface ExecutionFailure {
  node_id: string
  node_type: string
  exception_type: string
  exception_message: string
  traceback: string[]
}

/** How a prompt ended, decided from its history entry by {@link historyOutcome}. */
export type HistoryOutcome =
  | { state: 'succeeded', outputs: NodeOutputs }
  | { state: 'failed', error: ExecutionFailure }
  | { state: 'interrupted', nodeId?: string }
  | { state: 'running' }

// ---------------------------------------------------------------------------------------------------------------------
// Checks shared with protocol.ts. Each returns undefined when fine, else a short reason naming `path`.
// ---------------------------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>

/** @internal Is `v` a plain JSON object (not null, not an array)? */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** @internal Is `v` an array of strings? */
export function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v))
    return false
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'string')
      return false
  }
  return true
}

/** Is `value` a `{ filename, subfolder, type }` image reference? */
export function isComfyImageRef(value: unknown): value is ComfyImageRef {
  return isObj(value) && typeof value.filename === 'string' && typeof value.subfolder === 'string' && typeof value.type === 'string'
}

/** @internal Checks one node's output: an object whose `images`, if present, are image refs. */
export function checkNodeOutput(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  const images = v.images
  if (images === undefined)
    return undefined
  if (!Array.isArray(images))
    return `${path}.images is not an array`
  for (let i = 0; i < images.length; i++) {
    if (!isComfyImageRef(images[i]))
      return `${path}.images[${i}] is not an image reference ({filename, subfolder, type} strings)`
  }
  return undefined
}

/** @internal Checks the fields of `execution_error` data that a client shows. */
export function checkExecutionError(d: Obj, path: string): string | undefined {
  if (typeof d.prompt_id !== 'string')
    return `${path}.prompt_id is not a string`
  if (typeof d.node_id !== 'string')
    return `${path}.node_id is not a string`
  if (typeof d.node_type !== 'string')
    return `${path}.node_type is not a string`
  if (typeof d.exception_type !== 'string')
    return `${path}.exception_type is not a string`
  if (typeof d.exception_message !== 'string')
    return `${path}.exception_message is not a string`
  if (!isStringArray(d.traceback))
    return `${path}.traceback is not a list of strings`
  if (d.executed !== undefined && !isStringArray(d.executed))
    return `${path}.executed is not a list of node ids`
  if (d.current_outputs !== undefined && !isStringArray(d.current_outputs))
    return `${path}.current_outputs is not a list of node ids`
  if (d.current_inputs !== undefined && !isObj(d.current_inputs))
    return `${path}.current_inputs is not an object`
  if (d.timestamp !== undefined && typeof d.timestamp !== 'number')
    return `${path}.timestamp is not a number`
  return undefined
}

/** @internal Checks the `feature_flags` / `/features` dictionary. */
export function checkFeatures(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  if (v.supports_preview_metadata !== undefined && typeof v.supports_preview_metadata !== 'boolean')
    return `${path}.supports_preview_metadata is not a boolean`
  if (v.max_upload_size !== undefined && typeof v.max_upload_size !== 'number')
    return `${path}.max_upload_size is not a number`
  return undefined
}

function describe(v: unknown): string {
  if (v === null)
    return 'null'
  if (Array.isArray(v))
    return 'an array'
  if (typeof v === 'string')
    return v.length > 40 ? `the text "${v.slice(0, 40)}…"` : `the text "${v}"`
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value }
}

function fail(reason: string): { ok: false, reason: string } {
  return { ok: false, reason }
}

function notObject(what: string, v: unknown): { ok: false, reason: string } {
  return fail(`${what} is not a JSON object (got ${describe(v)})`)
}

function checkOutputs(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  for (const id in v) {
    const reason = checkNodeOutput(v[id], `${path}["${id}"]`)
    if (reason !== undefined)
      return reason
  }
  return undefined
}

function checkQueueItem(v: unknown, path: string): string | undefined {
  // Newer servers may append elements; the first five are the stable part.
  if (!Array.isArray(v) || v.length < 5)
    return `${path} is not a queue item ([number, prompt_id, prompt, extra_data, outputs])`
  if (typeof v[0] !== 'number')
    return `${path}[0] (queue number) is not a number`
  if (typeof v[1] !== 'string')
    return `${path}[1] (prompt id) is not a string`
  if (!isObj(v[2]))
    return `${path}[2] (prompt) is not an object`
  const extra: unknown = v[3]
  if (!isObj(extra))
    return `${path}[3] (extra_data) is not an object`
  if (extra.client_id !== undefined && typeof extra.client_id !== 'string')
    return `${path}[3].client_id is not a string`
  if (extra.create_time !== undefined && typeof extra.create_time !== 'number')
    return `${path}[3].create_time is not a number`
  if (!isStringArray(v[4]))
    return `${path}[4] (outputs to execute) is not a list of node ids`
  return undefined
}

function checkHistoryStatus(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  if (v.status_str !== 'success' && v.status_str !== 'error')
    return `${path}.status_str is not "success" or "error"`
  if (typeof v.completed !== 'boolean')
    return `${path}.completed is not a boolean`
  const messages = v.messages
  if (!Array.isArray(messages))
    return `${path}.messages is not an array`
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i]
    if (!Array.isArray(m) || typeof m[0] !== 'string' || !isObj(m[1]))
      return `${path}.messages[${i}] is not a [type, data] pair`
  }
  return undefined
}

function checkHistoryEntry(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  return checkQueueItem(v.prompt, `${path}.prompt`)
    ?? checkOutputs(v.outputs, `${path}.outputs`)
    ?? (v.status === undefined || v.status === null ? undefined : checkHistoryStatus(v.status, `${path}.status`))
    ?? (v.meta === undefined || isObj(v.meta) ? undefined : `${path}.meta is not an object`)
}

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

// ---------------------------------------------------------------------------------------------------------------------
// Parsers. All take the already JSON-decoded body (what axios gives as `data`) and never throw.
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Parses `GET /history` (all entries) or, with `promptId`, `GET /history/{id}`.
 * With `promptId` the value is that entry, or `null` when the server does not know the id (it answers `{}`).
 * @param json - the decoded response body
 * @param promptId - pick and check only this entry
 */
export function parseHistory(json: unknown): ParseResult<History>
export function parseHistory(json: unknown, promptId: string): ParseResult<HistoryEntry | null>
export function parseHistory(json: unknown, promptId?: string): ParseResult<History> | ParseResult<HistoryEntry | null> {
  if (!isObj(json))
    return notObject('history', json)
  if (promptId !== undefined) {
    if (!Object.hasOwn(json, promptId))
      return ok(null)
    const entry = json[promptId]
    const reason = checkHistoryEntry(entry, `history["${promptId}"]`)
    return reason === undefined ? ok(entry as HistoryEntry) : fail(reason)
  }
  for (const id in json) {
    const reason = checkHistoryEntry(json[id], `history["${id}"]`)
    if (reason !== undefined)
      return fail(reason)
  }
  return ok(json as History)
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

// ---------------------------------------------------------------------------------------------------------------------
// Pure helpers
// ---------------------------------------------------------------------------------------------------------------------

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/**
 * Decides how a prompt ended from its history entry.
 *
 * An `execution_error` message means failed and an `execution_interrupted` one means interrupted (both come with
 * `status_str: "error"`); `"success"` with `completed` means succeeded; no status yet means running.
 * @param entry - a parsed history entry
 */
export function historyOutcome(entry: HistoryEntry): HistoryOutcome {
  const status = entry.status
  if (status == null)
    return { state: 'running' }
  const messages = status.messages
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (message === undefined)
      continue
    const [type, data] = message
    if (type === 'execution_interrupted') {
      const nodeId = data.node_id
      return typeof nodeId === 'string' ? { state: 'interrupted', nodeId } : { state: 'interrupted' }
    }
    if (type === 'execution_error') {
      return {
        state: 'failed',
        error: {
          node_id: str(data.node_id),
          node_type: str(data.node_type),
          exception_type: str(data.exception_type),
          exception_message: str(data.exception_message),
          traceback: isStringArray(data.traceback) ? data.traceback : [],
        },
      }
    }
  }
  if (status.status_str === 'success' && status.completed)
    return { state: 'succeeded', outputs: entry.outputs }
  if (status.status_str === 'error') {
    return {
      state: 'failed',
      error: {
        node_id: '',
        node_type: '',
        exception_type: 'UnknownError',
        exception_message: 'the server recorded status "error" without an execution_error message',
        traceback: [],
      },
    }
  }
  return { state: 'running' }
}

/**
 * Lists every image of every output node, in node id order. Includes `temp` previews as well as saved `output` files.
 * @param outputs - a prompt's outputs (history entry, job, or collected `executed` messages)
 */
export function collectOutputImages(outputs: NodeOutputs): ComfyImageRef[] {
  const images: ComfyImageRef[] = []
  for (const id in outputs) {
    const list = outputs[id]?.images
    if (list !== undefined)
      images.push(...list)
  }
  return images
}
