import type { ComfyImageRef } from './api-types'
import type { ParseResult } from './parse-result'

// Checks of decoded JSON shared by the message parser (protocol.ts) and the REST parsers. Each check returns
// undefined when fine, else a short reason naming `path`.

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

/** @internal How a value is named in a reason ("an array", "the text …"). */
export function describe(v: unknown): string {
  if (v === null)
    return 'null'
  if (Array.isArray(v))
    return 'an array'
  if (typeof v === 'string')
    return v.length > 40 ? `the text "${v.slice(0, 40)}…"` : `the text "${v}"`
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

/** @internal */
export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value }
}

/** @internal */
export function fail(reason: string): { ok: false, reason: string } {
  return { ok: false, reason }
}

/** @internal */
export function notObject(what: string, v: unknown): { ok: false, reason: string } {
  return fail(`${what} is not a JSON object (got ${describe(v)})`)
}
