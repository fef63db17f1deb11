import type { ParseResult } from './protocol'

/**
 * The type of one input in `GET /object_info`: a type name (`"INT"`, `"MODEL"`, `"COMBO"`, …), or the list of a
 * combo's options (older servers, and a few current nodes such as `LoadImage`).
 */
export type ObjectInfoInputType = string | readonly unknown[]

/** The options object of an input spec. Only the keys the converter reads are named; servers send many more. */
export interface ObjectInfoInputOptions {
  /** A seed-like widget that carries an extra "control after generate" value in the UI (`true` or its default mode). */
  control_after_generate?: boolean | string
  /** The input is a socket only: frontends differ on whether it still has a widget. */
  forceInput?: boolean
  /** `LoadImage`-style inputs: the UI adds an upload button whose value is saved after this input's value. */
  image_upload?: boolean
  /** `LoadVideo`: as `image_upload`, for videos. */
  video_upload?: boolean
  /** `LoadAudio`: as `image_upload`, for audio. */
  audio_upload?: boolean
  /** `Load3D`: as `image_upload`, for 3D files. */
  file_upload?: boolean
  /** The value the UI starts with. */
  default?: unknown
  /** Combo options of current servers (`["COMBO", { options: [...] }]`). */
  options?: readonly unknown[]
  [key: string]: unknown
}

/** One input of a node class: `[type]` or `[type, options]`. */
export type ObjectInfoInputSpec = readonly [ObjectInfoInputType] | readonly [ObjectInfoInputType, ObjectInfoInputOptions]

/** One node class of `GET /object_info`. */
export interface ObjectInfoNode {
  /** The class's inputs by group; `hidden` inputs are filled by the server, never by the UI. */
  input: {
    required?: Readonly<Record<string, ObjectInfoInputSpec>>
    optional?: Readonly<Record<string, ObjectInfoInputSpec>>
    hidden?: Readonly<Record<string, unknown>>
  }
  /** The declared order of the inputs (servers since late 2024); without it the order of the `input` keys is used. */
  input_order?: { required?: readonly string[], optional?: readonly string[], hidden?: readonly string[] }
  /** Output types, one per output slot. */
  output?: readonly ObjectInfoInputType[]
  /** Output names, one per output slot. */
  output_name?: readonly string[]
  /** The class name (the `class_type` of the API format). */
  name?: string
  /** The name the UI shows; used as `_meta.title` when a node has no title of its own. */
  display_name?: string
  /** Whether the class is an output node (one the server runs a prompt for). */
  output_node?: boolean
  [key: string]: unknown
}

/** `GET /object_info` of one server: node class name → its definition. */
export type ObjectInfo = Readonly<Record<string, ObjectInfoNode>>

/** One node class of `GET /object_info` (the same type as {@link ObjectInfoNode}). */
export type NodeClassInfo = ObjectInfoNode

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
