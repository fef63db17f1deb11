// The socket frames of one recorded prompt run of a real ComfyUI 0.33.0 server, for the frame benches: the client
// sent `supports_preview_metadata` (as comfy-tether does), so previews are type-4 frames. The transcript records text
// frames as JSON and binary frames by header and metadata; the frames are rebuilt as the server wrote them (Python's
// json.dumps separators, floats such as `1.0` kept as written) and the preview's image bytes are JPEG-shaped filler
// of the recorded length.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
/** Copied byte-identical from the recorder's output; see tests/fixtures/comfyui/README.md. */
export const RECORDED_RUN_FILE = 'tests/fixtures/comfyui/v0.33.0-783545f-cpu/06_prompt_run_feature_flags_client.json'

/** A frame of the recorded run: text as sent, or a type-4 preview (metadata JSON as sent + image length). */
export type RecordedFrame = { kind: 'text', text: string } | { kind: 'preview', metadata: string, imageBytes: number }

interface TranscriptEvent {
  ws?: string
  http?: { request: { method: string, path: string } }
  frame?: { kind: string, json?: unknown, length?: number, u32be?: [number, number], decoded?: { metadata?: unknown } }
}

const FLOAT_MARK = '\u0000float:'
/** The marker as written inside a JSON string literal. */
const FLOAT_MARK_JSON = '\\u0000float:'

/** Python `json.dumps` with default separators; floats marked by {@link markFloats} are written as recorded. */
function pyDumps(value: unknown): string {
  if (typeof value === 'string')
    return value.startsWith(FLOAT_MARK) ? value.slice(FLOAT_MARK.length) : JSON.stringify(value)
  if (value === null || typeof value !== 'object')
    return JSON.stringify(value)
  if (Array.isArray(value))
    return `[${value.map(pyDumps).join(', ')}]`
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`).join(', ')}}`
}

/** JSON.parse turns `1.0` into `1`; keep the written form so rebuilt frames have the wire's bytes. */
function markFloats(json: string): string {
  return json.replace(/([:[,]\s*)(-?\d+\.\d+(?:[eE][-+]?\d+)?)(?=\s*[,\]}])/g, (_, lead: string, num: string) => `${lead}"${FLOAT_MARK_JSON}${num}"`)
}

let cached: { promptId: string, frames: RecordedFrame[] } | undefined

/**
 * The frames socket `A` received for the first prompt of the recording, from the `status` after its `POST /prompt`
 * up to its `executing {node: null}`, in order.
 */
export function recordedRun(): { promptId: string, frames: RecordedFrame[] } {
  if (cached)
    return cached
  const transcript = JSON.parse(markFloats(readFileSync(join(ROOT, RECORDED_RUN_FILE), 'utf8'))) as { events: TranscriptEvent[] }
  const frames: RecordedFrame[] = []
  let promptId: string | undefined
  let posts = 0
  for (const event of transcript.events) {
    if (event.http?.request.method === 'POST' && event.http.request.path === '/prompt')
      posts++
    if (posts !== 1 || event.ws !== 'A' || !event.frame)
      continue
    const { frame } = event
    if (frame.kind === 'text') {
      const text = pyDumps(frame.json)
      frames.push({ kind: 'text', text })
      const data = (frame.json as { type: string, data: { prompt_id?: string, node?: unknown } })
      promptId ??= data.data.prompt_id
      if (data.type === 'executing' && data.data.node === null)
        break
    }
    else if (frame.kind === 'binary' && frame.u32be?.[0] === 4) {
      const metadata = pyDumps(frame.decoded?.metadata)
      frames.push({ kind: 'preview', metadata, imageBytes: frame.length! - 8 - new TextEncoder().encode(metadata).length })
    }
  }
  if (!promptId || frames.length === 0)
    throw new Error(`${RECORDED_RUN_FILE}: no prompt run found`)
  cached = { promptId, frames }
  return cached
}

/** JPEG-looking bytes (SOI marker, pseudo-random body, EOI marker). */
function jpegBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = seed || 1
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    bytes[i] = x >>> 24
  }
  bytes.set([0xFF, 0xD8, 0xFF, 0xE0], 0)
  bytes.set([0xFF, 0xD9], length - 2)
  return bytes
}

/** A type-4 frame: `[4][metadata length][metadata JSON][image]`. */
function previewFrame(metadata: string, imageBytes: number, seed: number): ArrayBuffer {
  const meta = new TextEncoder().encode(metadata)
  const frame = new Uint8Array(8 + meta.length + imageBytes)
  const view = new DataView(frame.buffer)
  view.setUint32(0, 4, false)
  view.setUint32(4, meta.length, false)
  frame.set(meta, 8)
  frame.set(jpegBytes(imageBytes, seed), 8 + meta.length)
  return frame.buffer
}

/** The recorded run's frames about `promptId` instead of the recorded prompt id (text only unless `binary`). */
export function runFramesFor(promptId: string, binary = false): (string | ArrayBuffer)[] {
  const run = recordedRun()
  const out: (string | ArrayBuffer)[] = []
  for (const frame of run.frames) {
    if (frame.kind === 'text')
      out.push(frame.text.replaceAll(run.promptId, promptId))
    else if (binary)
      out.push(previewFrame(frame.metadata.replaceAll(run.promptId, promptId), frame.imageBytes, out.length + 1))
  }
  return out
}
