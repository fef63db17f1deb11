import type { ExecutionErrorData, NodeOutput, ServerFeatures } from './api-types'
import type { ParseResult } from './parse-result'
import { checkExecutionError, checkFeatures, checkNodeOutput, isObj, isStringArray } from './json-checks'

export type { ExecutionErrorData } from './api-types'
export type { ParseResult } from './parse-result'

/**
 * Text frames above this many UTF-8 bytes are refused without being parsed (8 MiB). Real messages stay far below it:
 * the largest, `execution_error` with tensor reprs in `current_inputs`, is a few kilobytes.
 */
export const MAX_TEXT_FRAME_BYTES = 8 * 1024 * 1024

/** `status`: the queue length, sent on connect (with `sid`) and to everyone when the queue changes. */
export interface StatusData {
  status: { exec_info: { queue_remaining: number } }
  /** The client id, only in the message sent on connect. */
  sid?: string
}

/** `execution_start`: the prompt left the queue and starts running. */
export interface ExecutionStartData {
  prompt_id: string
  /** Epoch milliseconds. */
  timestamp?: number
}

/** `execution_cached`: nodes whose cached results are reused (`[]` when none). */
export interface ExecutionCachedData {
  nodes: string[]
  prompt_id: string
  timestamp?: number
}

/**
 * `executing`: a node starts, or `node: null` when the prompt is done (legacy end marker).
 * After a reconnect the server replays `{ node }` alone, without `prompt_id`.
 */
export interface ExecutingData {
  node: string | null
  display_node?: string
  prompt_id?: string
}

/** `progress`: step `value` of `max` of the running node. */
export interface ProgressData {
  value: number
  max: number
  prompt_id?: string
  node?: string | null
}

/**
 * One node's entry in `progress_state`. Nodes without own progress report `0.0`/`1.0`. `parseMessage` checks the
 * fields the engine reads (`value`, `max`, `state`, `display_node_id`); the other ids are passed on as the server sent them.
 */
export interface NodeProgressState {
  value: number
  max: number
  state: 'pending' | 'running' | 'finished' | 'error'
  node_id: string
  prompt_id: string
  display_node_id?: string | null
  parent_node_id?: string | null
  real_node_id?: string | null
}

/** `progress_state` (0.3.45 and later): the progress of every started node of the prompt. */
export interface ProgressStateData {
  prompt_id: string
  nodes: Record<string, NodeProgressState>
}

/** `executed`: an output node finished; `output.images` lists the files it wrote. */
export interface ExecutedData {
  node: string
  display_node?: string
  /** `null` for a node that produced no UI output (e.g. one served from the cache). */
  output: NodeOutput | null
  prompt_id: string
}

/** `execution_success`: every output node ran. */
export interface ExecutionSuccessData {
  prompt_id: string
  timestamp?: number
}

/** `execution_interrupted`: the prompt was stopped by `/interrupt`. */
export interface ExecutionInterruptedData {
  prompt_id: string
  node_id: string
  node_type: string
  executed?: string[]
  timestamp?: number
}

/** A well-formed message of a type comfy-tether does not know (custom nodes send many). Not an error. */
export interface UnknownComfyMessage {
  type: 'unknown'
  /** The `type` the server sent. */
  originalType: string
  data: unknown
}

/** A parsed text frame of the ComfyUI socket, discriminated on `type`. */
export type ComfyMessage =
  | { type: 'status', data: StatusData }
  | { type: 'execution_start', data: ExecutionStartData }
  | { type: 'execution_cached', data: ExecutionCachedData }
  | { type: 'executing', data: ExecutingData }
  | { type: 'progress', data: ProgressData }
  | { type: 'progress_state', data: ProgressStateData }
  | { type: 'executed', data: ExecutedData }
  | { type: 'execution_success', data: ExecutionSuccessData }
  | { type: 'execution_error', data: ExecutionErrorData }
  | { type: 'execution_interrupted', data: ExecutionInterruptedData }
  | { type: 'feature_flags', data: ServerFeatures }
  | UnknownComfyMessage

/** The `type` of a {@link ComfyMessage}. */
export type ComfyMessageType = ComfyMessage['type']

/** The message of one type: `ComfyMessageOf<'progress'>`. */
export type ComfyMessageOf<T extends ComfyMessageType> = Extract<ComfyMessage, { type: T }>

type Obj = Record<string, unknown>

// Each check returns undefined when the data is fine, else the reason. Only fields a client relies on are
// required; optional ones are checked only when present, so a server adding or dropping extras does not break us.

function checkStatus(d: Obj): string | undefined {
  const s = d.status
  if (!isObj(s) || !isObj(s.exec_info))
    return 'status.status.exec_info is not an object'
  if (typeof s.exec_info.queue_remaining !== 'number')
    return 'status.status.exec_info.queue_remaining is not a number'
  if (d.sid !== undefined && typeof d.sid !== 'string')
    return 'status.sid is not a string'
  return undefined
}

function checkPromptEvent(d: Obj, type: string): string | undefined {
  if (typeof d.prompt_id !== 'string')
    return `${type}.prompt_id is not a string`
  if (d.timestamp !== undefined && typeof d.timestamp !== 'number')
    return `${type}.timestamp is not a number`
  return undefined
}

function checkExecuting(d: Obj): string | undefined {
  const node = d.node
  if (node !== null && typeof node !== 'string')
    return 'executing.node is not a string or null'
  if (d.prompt_id !== undefined && typeof d.prompt_id !== 'string')
    return 'executing.prompt_id is not a string'
  if (d.display_node !== undefined && typeof d.display_node !== 'string')
    return 'executing.display_node is not a string'
  return undefined
}

function checkProgress(d: Obj): string | undefined {
  if (typeof d.value !== 'number')
    return 'progress.value is not a number'
  if (typeof d.max !== 'number')
    return 'progress.max is not a number'
  if (d.prompt_id !== undefined && typeof d.prompt_id !== 'string')
    return 'progress.prompt_id is not a string'
  const node = d.node
  if (node !== undefined && node !== null && typeof node !== 'string')
    return 'progress.node is not a string'
  return undefined
}

function checkProgressState(d: Obj): string | undefined {
  if (typeof d.prompt_id !== 'string')
    return 'progress_state.prompt_id is not a string'
  const nodes = d.nodes
  if (!isObj(nodes))
    return 'progress_state.nodes is not an object'
  // The fields the engine reads (the node's state, value/max and the id it shows); this frame comes several times a
  // second for every node started, so the ids it does not read are passed on unchecked. Object.values, not for…in:
  // the node ids are integer keys, which for…in turns into new strings on every frame; the id is named only on failure.
  const entries = Object.values(nodes)
  for (let i = 0; i < entries.length; i++) {
    const reason = checkNodeProgress(entries[i])
    if (reason !== undefined)
      return `progress_state.nodes["${Object.keys(nodes)[i]}"]${reason}`
  }
  return undefined
}

/** One node of `progress_state`: the rest of the reason after the node's path, or `undefined` when it is fine. */
function checkNodeProgress(n: unknown): string | undefined {
  if (!isObj(n))
    return ' is not an object'
  if (typeof n.value !== 'number' || typeof n.max !== 'number')
    return '.value/max is not a number'
  const state = n.state
  if (state !== 'running' && state !== 'finished' && state !== 'pending' && state !== 'error')
    return '.state is not pending, running, finished or error'
  const shown = n.display_node_id
  if (shown !== undefined && shown !== null && typeof shown !== 'string')
    return '.display_node_id is not a string'
  return undefined
}

function checkExecuted(d: Obj): string | undefined {
  if (typeof d.node !== 'string')
    return 'executed.node is not a string'
  if (typeof d.prompt_id !== 'string')
    return 'executed.prompt_id is not a string'
  if (d.display_node !== undefined && typeof d.display_node !== 'string')
    return 'executed.display_node is not a string'
  return d.output === null ? undefined : checkNodeOutput(d.output, 'executed.output')
}

function checkExecutionCached(d: Obj): string | undefined {
  if (!isStringArray(d.nodes))
    return 'execution_cached.nodes is not a list of node ids'
  return checkPromptEvent(d, 'execution_cached')
}

function checkExecutionInterrupted(d: Obj): string | undefined {
  if (typeof d.node_id !== 'string')
    return 'execution_interrupted.node_id is not a string'
  if (typeof d.node_type !== 'string')
    return 'execution_interrupted.node_type is not a string'
  if (d.executed !== undefined && !isStringArray(d.executed))
    return 'execution_interrupted.executed is not a list of node ids'
  return checkPromptEvent(d, 'execution_interrupted')
}

function utf8ByteLengthExceeds(s: string, limit: number): boolean {
  let bytes = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) {
      bytes += 1
    }
    else if (c < 0x800) {
      bytes += 2
    }
    else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
      // A surrogate pair is one 4-byte code point (a lone surrogate would be 3 bytes of U+FFFD).
      const next = s.charCodeAt(i + 1)
      if (next >= 0xDC00 && next <= 0xDFFF) {
        bytes += 4
        i++
      }
      else {
        bytes += 3
      }
    }
    else {
      bytes += 3
    }
    if (bytes > limit)
      return true
  }
  return false
}

/**
 * Checks the data of a message of a known `type`: the reason it is refused, or `undefined` when it is fine; `null` for
 * a type comfy-tether does not know. A switch, not a lookup table: `type` is untrusted and must not find "constructor"
 * or "__proto__", and direct calls let the checks of the frequent types (first here) be inlined.
 */
function checkData(type: string, data: unknown): string | undefined | null {
  switch (type) {
    case 'progress_state':
      return isObj(data) ? checkProgressState(data) : notAnObject(type)
    case 'progress':
      return isObj(data) ? checkProgress(data) : notAnObject(type)
    case 'executing':
      return isObj(data) ? checkExecuting(data) : notAnObject(type)
    case 'status':
      return isObj(data) ? checkStatus(data) : notAnObject(type)
    case 'executed':
      return isObj(data) ? checkExecuted(data) : notAnObject(type)
    case 'execution_cached':
      return isObj(data) ? checkExecutionCached(data) : notAnObject(type)
    case 'execution_start':
    case 'execution_success':
      return isObj(data) ? checkPromptEvent(data, type) : notAnObject(type)
    case 'execution_error':
      return isObj(data) ? checkExecutionError(data, type) : notAnObject(type)
    case 'execution_interrupted':
      return isObj(data) ? checkExecutionInterrupted(data) : notAnObject(type)
    case 'feature_flags':
      return isObj(data) ? checkFeatures(data, type) : notAnObject(type)
    default:
      return null
  }
}

function notAnObject(type: string): string {
  return `${type}.data is not an object`
}

const TOO_LARGE = `text frame is larger than MAX_TEXT_FRAME_BYTES (${MAX_TEXT_FRAME_BYTES} bytes)`

/**
 * Parses one text frame of the ComfyUI socket. Never throws.
 *
 * Known types are checked on the fields a client relies on and returned as the parsed object itself (no copy);
 * well-formed frames of other types become `{ type: 'unknown', originalType, data }`.
 * @param raw - the frame's text (`MessageEvent.data` of a text frame)
 * @example
 * const result = parseMessage(event.data)
 * if (!result.ok) log('MALFORMED_MESSAGE', result.reason)
 * else if (result.value.type === 'progress') show(result.value.data.value / result.value.data.max)
 */
export function parseMessage(raw: string): ParseResult<ComfyMessage> {
  if (typeof raw !== 'string')
    return { ok: false, reason: `frame is not text (got ${raw === null ? 'null' : typeof raw})` }
  // UTF-8 needs 1 to 3 bytes per UTF-16 unit, so only long strings need counting.
  if (raw.length > MAX_TEXT_FRAME_BYTES || (raw.length > MAX_TEXT_FRAME_BYTES / 3 && utf8ByteLengthExceeds(raw, MAX_TEXT_FRAME_BYTES)))
    return { ok: false, reason: TOO_LARGE }
  let msg: unknown
  try {
    msg = JSON.parse(raw)
  }
  catch (error) {
    return { ok: false, reason: `invalid JSON: ${error instanceof Error ? error.message.slice(0, 120) : 'unparsable'}` }
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    return { ok: false, reason: `message is not a JSON object (got ${msg === null ? 'null' : Array.isArray(msg) ? 'an array' : typeof msg})` }
  const type = (msg as Obj).type
  if (typeof type !== 'string')
    return { ok: false, reason: type === undefined ? 'message has no type' : 'message type is not a string' }
  const data = (msg as Obj).data
  if (data === undefined)
    return { ok: false, reason: `${type.length > 60 ? `${type.slice(0, 60)}…` : type} message has no data` }

  const reason = checkData(type, data)
  if (reason === null)
    return { ok: true, value: { type: 'unknown', originalType: type, data } }
  if (reason !== undefined)
    return { ok: false, reason }
  return { ok: true, value: msg as ComfyMessage }
}
