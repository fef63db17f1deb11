import type { History, HistoryEntry } from './api-types'
import type { ParseResult } from './parse-result'
import { checkNodeOutput, fail, isObj, isStringArray, notObject, ok } from './json-checks'

export { collectOutputImages, historyOutcome } from './history-outcome'

// `GET /history` and what a history entry says: how the prompt ended, and its images. The parsers take the already
// JSON-decoded body (what axios gives as `data`) and never throw.

/** @internal */
export function checkOutputs(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  for (const id in v) {
    const reason = checkNodeOutput(v[id], `${path}["${id}"]`)
    if (reason !== undefined)
      return reason
  }
  return undefined
}

/** @internal */
export function checkQueueItem(v: unknown, path: string): string | undefined {
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

/** @internal */
export function checkHistoryStatus(v: unknown, path: string): string | undefined {
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

/** @internal */
export function checkHistoryEntry(v: unknown, path: string): string | undefined {
  if (!isObj(v))
    return `${path} is not an object`
  return checkQueueItem(v.prompt, `${path}.prompt`)
    ?? checkOutputs(v.outputs, `${path}.outputs`)
    ?? (v.status === undefined || v.status === null ? undefined : checkHistoryStatus(v.status, `${path}.status`))
    ?? (v.meta === undefined || isObj(v.meta) ? undefined : `${path}.meta is not an object`)
}

/**
 * Python's `None` where ComfyUI's own nodes write a value, as custom nodes do: an output node whose UI output is `null`
 * showed nothing (dropped), an image whose `subfolder` is `null` sits in the top folder (`''`). Returns `entry` itself
 * when there is nothing to change, else a copy.
 */
function withoutNone(entry: unknown): unknown {
  if (!isObj(entry) || !isObj(entry.outputs))
    return entry
  const outputs: Record<string, unknown> = {}
  let changed = false
  for (const id in entry.outputs) {
    const output = entry.outputs[id]
    if (output === null) {
      changed = true
      continue
    }
    const images = isObj(output) ? output.images : undefined
    if (Array.isArray(images) && images.some(image => isObj(image) && image.subfolder === null)) {
      changed = true
      outputs[id] = { ...output as object, images: images.map(image => isObj(image) && image.subfolder === null ? { ...image, subfolder: '' } : image as unknown) }
    }
    else {
      outputs[id] = output
    }
  }
  return changed ? { ...entry, outputs } : entry
}

/**
 * Parses `GET /history` (all entries) or, with `promptId`, `GET /history/{id}`. A `null` output is dropped and a `null`
 * image subfolder read as `''` (custom nodes write Python's `None` there).
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
    const entry = withoutNone(json[promptId])
    const reason = checkHistoryEntry(entry, `history["${promptId}"]`)
    return reason === undefined ? ok(entry as HistoryEntry) : fail(reason)
  }
  const history: Record<string, unknown> = {}
  for (const id in json) {
    const entry = withoutNone(json[id])
    const reason = checkHistoryEntry(entry, `history["${id}"]`)
    if (reason !== undefined)
      return fail(reason)
    history[id] = entry
  }
  return ok(history as History)
}
