import type { ParseResult } from './protocol'

/** One input's definition: a type name (or a combo's option list) and its options (`min`, `max`, `default`, …). */
export type ObjectInfoInputSpec = readonly [type: string | readonly unknown[], options?: Readonly<Record<string, unknown>>]

/** One node class of `GET /object_info`, reduced to what a client checks. */
export interface NodeClassInfo {
  input: {
    required?: Readonly<Record<string, ObjectInfoInputSpec>>
    optional?: Readonly<Record<string, ObjectInfoInputSpec>>
    hidden?: Readonly<Record<string, unknown>>
  }
  /** Output types, one per slot. */
  output?: readonly string[]
  output_name?: readonly string[]
  name?: string
  display_name?: string
  category?: string
  output_node?: boolean
  [key: string]: unknown
}

/** `GET /object_info`: node class name → definition. */
export type ObjectInfo = Readonly<Record<string, NodeClassInfo>>

/** A combo input: its allowed values, or `undefined` when the input is no combo. Handles both `[[…]]` and `["COMBO", {options}]`. */
export function comboOptions(spec: ObjectInfoInputSpec): readonly unknown[] | undefined {
  const [type, options] = spec
  if (Array.isArray(type))
    return type
  if (type === 'COMBO')
    return Array.isArray(options?.options) ? options.options as unknown[] : []
  return undefined
}

/** The spec of `input` on a class, whether required or optional. */
export function inputSpec(info: NodeClassInfo, input: string): { spec: ObjectInfoInputSpec, required: boolean } | undefined {
  const required = info.input.required?.[input]
  if (required)
    return { spec: required, required: true }
  const optional = info.input.optional?.[input]
  return optional ? { spec: optional, required: false } : undefined
}

/** Checks the top-level shape of `GET /object_info` (every value an object with an `input` object). */
export function parseObjectInfo(data: unknown): ParseResult<ObjectInfo> {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return { ok: false, reason: 'object_info is not an object' }
  for (const [name, info] of Object.entries(data)) {
    if (typeof info !== 'object' || info === null || typeof (info as { input?: unknown }).input !== 'object' || (info as { input?: unknown }).input === null)
      return { ok: false, reason: `object_info["${name}"] has no input object` }
  }
  return { ok: true, value: data as ObjectInfo }
}
