import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createImage, encodePng } from './png'

/** A recorded HTTP exchange (see `tests/fixtures/comfyui/PROTOCOL.md`, "Recording format"). */
export interface RecordedHttp {
  request: { method: string, path: string, json?: unknown, raw_body?: string, body?: string, headers?: Record<string, string> }
  response: { status: number, content_type: string, content_length?: number | null, content_disposition?: string, json?: unknown, text?: string, body?: string }
}

/** A recorded WebSocket frame. */
export type RecordedFrame =
  | { kind: 'text', json: { type: string, data?: unknown } }
  | { kind: 'binary', length: number, u32be: [number, number], decoded?: Record<string, unknown> }
  | { kind: 'closed', close_code: number | null }

export type TranscriptEvent =
  | { t_ms: number, t_resp_ms?: number, http: RecordedHttp }
  | { t_ms: number, ws: string, frame: RecordedFrame }
  | { t_ms: number, ws: string, action: string, sent?: unknown }
  | { t_ms: number, note: string }

/** One recorded scenario, `NN_name.json`. */
export interface Transcript {
  scenario: string
  description: string
  server: Record<string, unknown>
  events: TranscriptEvent[]
}

function toPath(dir: string | URL): string {
  return typeof dir === 'string' ? dir : fileURLToPath(dir)
}

/** The scenario files of one recording folder, sorted (`01_basic_get.json`, …). Throws if the folder is missing. */
export function listTranscripts(dir: string | URL): string[] {
  const path = toPath(dir)
  if (!existsSync(path))
    throw new Error(`[comfy-tether] No ComfyUI recordings at ${path}. Pass a folder of NN_*.json recordings (this repository keeps them in tests/fixtures/comfyui/<version>/).`)
  return readdirSync(path).filter(f => /^\d\d_.*\.json$/.test(f)).sort()
}

/** Read one scenario. */
export function loadTranscript(dir: string | URL, file: string): Transcript {
  const path = `${toPath(dir).replace(/\/$/, '')}/${file}`
  return JSON.parse(readFileSync(path, 'utf8')) as Transcript
}

/** A small PNG whose pixels depend on `seed` (different seeds, different bytes). */
export function samplePng(seed = 1, size = 8): Buffer {
  const image = createImage(size, size)
  for (let i = 0; i < image.data.length; i++)
    image.data[i] = (i * 37 + seed * 101) % 256
  return encodePng(image)
}

/** A request ready for `fetch`. */
export interface MaterializedRequest {
  method: string
  path: string
  body?: string | Uint8Array<ArrayBuffer> | FormData
  headers: Record<string, string>
}

/**
 * Turn a recorded request into a real one. Multipart bodies are recorded as descriptions; this understands the ones in
 * scenario 03 (`multipart: image=<name, N bytes PNG>`, `(same name, DIFFERENT content …)`, `, key=value` fields and
 * `multipart without an 'image' field`). `contents` keeps the bytes sent per file name, so "same content" repeats them.
 */
export function materializeRequest(recorded: RecordedHttp['request'], contents: Map<string, Buffer>, mapIds: (text: string) => string): MaterializedRequest {
  const headers: Record<string, string> = { ...recorded.headers }
  const req: MaterializedRequest = { method: recorded.method, path: mapIds(recorded.path), headers }
  if (recorded.json !== undefined) {
    req.body = mapIds(JSON.stringify(recorded.json))
    headers['Content-Type'] ??= 'application/json'
  }
  else if (recorded.raw_body !== undefined) {
    const size = /^<(\d+) bytes>$/.exec(recorded.raw_body)
    req.body = size ? new Uint8Array(Number(size[1])).fill(0x2A) : recorded.raw_body
  }
  else if (recorded.body !== undefined) {
    req.body = multipart(recorded.body, contents)
  }
  return req
}

function multipart(description: string, contents: Map<string, Buffer>): FormData {
  const form = new FormData()
  if (/^multipart without an 'image' field/.test(description)) {
    form.append('type', 'input')
    return form
  }
  const m = /^multipart: image=<([^,>]+)(?:, \d+ bytes PNG)?>(?: \(([^)]*)\))?((?:, [\w-]+=[^,]*)*)$/.exec(description)
  if (!m?.[1])
    throw new Error(`[comfy-tether] Cannot replay the recorded upload ${JSON.stringify(description)}: unknown description format.`)
  const name = m[1]
  let bytes = contents.get(name)
  if (!bytes) {
    bytes = samplePng(contents.size + 1)
    contents.set(name, bytes)
  }
  if (m[2]?.includes('DIFFERENT'))
    bytes = samplePng(contents.size + 100)
  form.append('image', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name)
  for (const field of (m[3] ?? '').split(', ').filter(Boolean)) {
    const [key = '', value = ''] = field.split('=')
    form.append(key, value)
  }
  return form
}
