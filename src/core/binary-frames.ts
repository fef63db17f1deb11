import type { ParseResult } from './protocol'
import { isObj } from './json-checks'

/** Event types of binary socket frames: the first big-endian uint32 of the frame. */
export const BINARY_EVENT = {
  /** Then uint32 image type (1 JPEG, 2 PNG) and the image bytes. Sent to clients without feature flags. */
  PREVIEW_IMAGE: 1,
  /** Used inside the server only; never sent. */
  UNENCODED_PREVIEW_IMAGE: 2,
  /** Then uint32 node-id length, the node id and UTF-8 text (`send_progress_text`). */
  TEXT: 3,
  /** Then uint32 metadata length, metadata JSON and the image bytes (0.3.45 and later, flag `supports_preview_metadata`). */
  PREVIEW_IMAGE_WITH_METADATA: 4,
} as const

/** The metadata JSON of a type 4 preview: which node of which prompt the image belongs to. */
export interface PreviewMetadata {
  node_id: string
  prompt_id: string
  display_node_id?: string | null
  parent_node_id?: string | null
  real_node_id?: string | null
  /** MIME type, e.g. `'image/jpeg'`. */
  image_type: string
}

/** A preview image of the running node. `bytes` is a view into the received frame, not a copy. */
export interface PreviewFrame {
  kind: 'preview'
  /** MIME type: `'image/jpeg'` or `'image/png'` (type 4 frames pass the server's `image_type` through). */
  imageType: string
  bytes: Uint8Array
  /** Present on type 4 frames only; type 1 frames do not say which prompt they belong to. */
  metadata?: PreviewMetadata
}

/** A progress text of a node (type 3), e.g. `"step 1/4"`. Broadcast to every socket when sent without a sid. */
export interface ProgressTextFrame {
  kind: 'text'
  nodeId: string
  text: string
}

/** A binary frame of an event type this parser does not know. Not an error. */
export interface UnknownBinaryFrame {
  kind: 'unknown'
  eventType: number
}

/** A parsed binary frame of the ComfyUI socket, discriminated on `kind`. */
export type BinaryFrame = PreviewFrame | ProgressTextFrame | UnknownBinaryFrame

const IMAGE_TYPES: Readonly<Record<number, string>> = { 1: 'image/jpeg', 2: 'image/png' }

// fatal: a frame with broken UTF-8 is refused instead of silently showing U+FFFD.
const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true })

function u32(bytes: Uint8Array, offset: number): number {
  // Callers have checked that offset + 4 <= length; `?? 0` only satisfies noUncheckedIndexedAccess.
  return (((bytes[offset] ?? 0) << 24) | ((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0)) >>> 0
}

function fail(reason: string): { ok: false, reason: string } {
  return { ok: false, reason }
}

function decode(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes)
  }
  catch {
    return undefined
  }
}

function tag(value: unknown): string {
  return Object.prototype.toString.call(value)
}

function toBytes(data: unknown): Uint8Array | string {
  // isView and the tag check also accept buffers from another realm (iframe, vm context), unlike instanceof.
  if (ArrayBuffer.isView(data))
    return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (tag(data) === '[object ArrayBuffer]')
    return new Uint8Array(data as ArrayBuffer)
  if (tag(data) === '[object Blob]')
    return 'binary frame is a Blob: set the socket\'s binaryType to "arraybuffer"'
  return `binary frame is not an ArrayBuffer or Uint8Array (got ${data === null ? 'null' : typeof data})`
}

function parseMetadata(json: string | undefined): PreviewMetadata | string {
  if (json === undefined)
    return 'preview metadata is not valid UTF-8'
  let meta: unknown
  try {
    meta = JSON.parse(json)
  }
  catch {
    return 'preview metadata is not valid JSON'
  }
  if (!isObj(meta))
    return 'preview metadata is not a JSON object'
  if (typeof meta.node_id !== 'string')
    return 'preview metadata node_id is not a string'
  if (typeof meta.prompt_id !== 'string')
    return 'preview metadata prompt_id is not a string'
  if (typeof meta.image_type !== 'string' || !meta.image_type.startsWith('image/'))
    return 'preview metadata image_type is not an image MIME type'
  for (const key of ['display_node_id', 'parent_node_id', 'real_node_id'] as const) {
    const v = meta[key]
    if (v !== undefined && v !== null && typeof v !== 'string')
      return `preview metadata ${key} is not a string`
  }
  return meta as unknown as PreviewMetadata
}

/**
 * Parses one binary frame of the ComfyUI socket (big-endian uint32 event type, then the payload). Never throws.
 * Image bytes are returned as a `subarray` view of the input.
 * @param data - the frame (`MessageEvent.data` with `binaryType = 'arraybuffer'`, or a Node `Buffer`)
 */
export function parseBinaryFrame(data: ArrayBuffer | Uint8Array): ParseResult<BinaryFrame> {
  const bytes = toBytes(data)
  if (typeof bytes === 'string')
    return fail(bytes)
  const n = bytes.byteLength
  if (n < 4)
    return fail(n === 0 ? 'binary frame is empty (0 bytes)' : `binary frame of ${n} bytes is shorter than its 4-byte event type`)
  const event = u32(bytes, 0)
  if (event !== BINARY_EVENT.PREVIEW_IMAGE && event !== BINARY_EVENT.TEXT && event !== BINARY_EVENT.PREVIEW_IMAGE_WITH_METADATA)
    return { ok: true, value: { kind: 'unknown', eventType: event } }
  if (n < 8)
    return fail(`binary frame of event type ${event} is ${n} bytes, shorter than its 8-byte header`)
  const second = u32(bytes, 4)

  if (event === BINARY_EVENT.PREVIEW_IMAGE) {
    const imageType = IMAGE_TYPES[second]
    if (imageType === undefined)
      return fail(`preview image type ${second} is unknown (expected 1 = JPEG or 2 = PNG)`)
    if (n === 8)
      return fail('preview frame has no image bytes')
    return { ok: true, value: { kind: 'preview', imageType, bytes: bytes.subarray(8) } }
  }

  // second is a length; compare against what is left to avoid overflow on 0xFFFFFFFF.
  if (second > n - 8) {
    const what = event === BINARY_EVENT.TEXT ? 'node id' : 'metadata'
    return fail(`${what} length ${second} runs past the end of the frame (${n - 8} bytes after the header)`)
  }
  const end = 8 + second

  if (event === BINARY_EVENT.TEXT) {
    const nodeId = decode(bytes.subarray(8, end))
    if (nodeId === undefined)
      return fail('progress text node id is not valid UTF-8')
    const text = decode(bytes.subarray(end))
    if (text === undefined)
      return fail('progress text is not valid UTF-8')
    return { ok: true, value: { kind: 'text', nodeId, text } }
  }

  const metadata = parseMetadata(decode(bytes.subarray(8, end)))
  if (typeof metadata === 'string')
    return fail(metadata)
  if (end === n)
    return fail('preview frame has no image bytes after its metadata')
  return { ok: true, value: { kind: 'preview', imageType: metadata.image_type, bytes: bytes.subarray(end), metadata } }
}
