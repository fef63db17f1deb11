import { pyJson } from './py-json'

/** Binary WebSocket event types of ComfyUI (`server.py` `BinaryEventTypes`). */
export const BINARY_EVENT = { PREVIEW_IMAGE: 1, TEXT: 3, PREVIEW_IMAGE_WITH_METADATA: 4 } as const

/** Image type codes of a PREVIEW_IMAGE frame. */
export const PREVIEW_IMAGE_TYPE = { JPEG: 1, PNG: 2 } as const

/** Metadata of a type-4 preview frame. */
export interface PreviewMetadata {
  node_id: string
  prompt_id: string
  display_node_id: string
  parent_node_id: string | null
  real_node_id: string
  image_type: string
}

function u32(...values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => buf.writeUInt32BE(v, i * 4))
  return buf
}

/** `[1][image type][image bytes]`: what a client without feature flags gets. */
export function previewFrame(imageType: number, image: Uint8Array): Buffer {
  return Buffer.concat([u32(BINARY_EVENT.PREVIEW_IMAGE, imageType), image])
}

/** `[4][metadata length][metadata JSON][image bytes]`: for clients that negotiated `supports_preview_metadata`. */
export function previewWithMetadataFrame(metadata: PreviewMetadata, image: Uint8Array): Buffer {
  const json = Buffer.from(pyJson(metadata), 'utf8')
  return Buffer.concat([u32(BINARY_EVENT.PREVIEW_IMAGE_WITH_METADATA, json.length), json, image])
}

/** `[3][node id length][node id][UTF-8 text]`: `send_progress_text`. */
export function textFrame(nodeId: string, text: string): Buffer {
  const id = Buffer.from(nodeId, 'utf8')
  return Buffer.concat([u32(BINARY_EVENT.TEXT, id.length), id, Buffer.from(text, 'utf8')])
}

/** A binary frame taken apart (for tests and the transcript replayer). */
export type DecodedBinaryFrame =
  | { event: 'PREVIEW_IMAGE', imageType: number, image: Uint8Array }
  | { event: 'PREVIEW_IMAGE_WITH_METADATA', metadata: Record<string, unknown>, image: Uint8Array }
  | { event: 'TEXT', nodeId: string, text: string }
  | { event: 'UNKNOWN', type: number, length: number }
  | { event: 'INVALID', reason: string, length: number }

/** Decode a binary frame as a ComfyUI client would; never throws. */
export function decodeBinaryFrame(data: Uint8Array): DecodedBinaryFrame {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (buf.length < 8)
    return { event: 'INVALID', reason: `frame of ${buf.length} bytes is shorter than its 8-byte header`, length: buf.length }
  const type = buf.readUInt32BE(0)
  const second = buf.readUInt32BE(4)
  switch (type) {
    case BINARY_EVENT.PREVIEW_IMAGE:
      return { event: 'PREVIEW_IMAGE', imageType: second, image: buf.subarray(8) }
    case BINARY_EVENT.TEXT:
      if (8 + second > buf.length)
        return { event: 'INVALID', reason: 'node id runs past the end of the frame', length: buf.length }
      return { event: 'TEXT', nodeId: buf.subarray(8, 8 + second).toString('utf8'), text: buf.subarray(8 + second).toString('utf8') }
    case BINARY_EVENT.PREVIEW_IMAGE_WITH_METADATA: {
      if (8 + second > buf.length)
        return { event: 'INVALID', reason: 'metadata runs past the end of the frame', length: buf.length }
      try {
        const metadata = JSON.parse(buf.subarray(8, 8 + second).toString('utf8')) as Record<string, unknown>
        return { event: 'PREVIEW_IMAGE_WITH_METADATA', metadata, image: buf.subarray(8 + second) }
      }
      catch {
        return { event: 'INVALID', reason: 'metadata is not JSON', length: buf.length }
      }
    }
    default:
      return { event: 'UNKNOWN', type, length: buf.length }
  }
}
