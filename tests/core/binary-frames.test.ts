import type { BinaryFrame } from '../../src/core/binary-frames'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BINARY_EVENT, parseBinaryFrame } from '../../src/core/binary-frames'

// Recorded transcripts of real ComfyUI servers (tests/fixtures/comfyui; format: PROTOCOL.md there). Binary frames are recorded only
// as length, first two uint32 and a decoded summary, so the tests rebuild frames that match them byte for byte.
const REFERENCE = new URL('../fixtures/comfyui/', import.meta.url)
const VERSIONS = ['v0.33.0-783545f-cpu', 'v0.3.44-c5de495-cpu'] as const

interface RecordedBinary {
  kind: 'binary'
  length: number
  u32be: [number, number]
  decoded: {
    event: string
    node_id?: string
    text?: string
    image_type?: string
    image_bytes?: number
    metadata?: Record<string, string | null>
  }
}

function loadBinaryFrames(version: string): { file: string, frame: RecordedBinary }[] {
  const dir = new URL(`${version}/`, REFERENCE)
  return readdirSync(dir).filter(f => /^\d\d_.*\.json$/.test(f)).sort().flatMap((file) => {
    const { events } = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { events: { frame?: { kind: string } }[] }
    return events.filter(e => e.frame?.kind === 'binary').map(e => ({ file, frame: e.frame as RecordedBinary }))
  })
}

const encoder = new TextEncoder()

/** Builds a frame: numbers become big-endian uint32, strings UTF-8, byte arrays are copied in. */
function frame(...parts: (number | string | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  const chunks = parts.map((part) => {
    if (typeof part === 'number') {
      const b = new Uint8Array(4)
      new DataView(b.buffer).setUint32(0, part)
      return b
    }
    return typeof part === 'string' ? encoder.encode(part) : part
  })
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** Fake image bytes with a recognisable start (JPEG SOI marker) and a known pattern. */
function image(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++)
    bytes[i] = (i * 7) & 0xFF
  bytes.set([0xFF, 0xD8].slice(0, length))
  return bytes
}

/** Python's json.dumps with default separators, as the server writes the metadata. */
function pythonJson(value: Record<string, string | null>): string {
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`
}

function rebuild(recorded: RecordedBinary): Uint8Array<ArrayBuffer> {
  const d = recorded.decoded
  switch (d.event) {
    case 'TEXT':
      return frame(BINARY_EVENT.TEXT, encoder.encode(d.node_id).length, d.node_id ?? '', d.text ?? '')
    case 'PREVIEW_IMAGE':
      return frame(BINARY_EVENT.PREVIEW_IMAGE, d.image_type === 'PNG' ? 2 : 1, image(d.image_bytes ?? 0))
    case 'PREVIEW_IMAGE_WITH_METADATA': {
      const meta = pythonJson(d.metadata ?? {})
      return frame(BINARY_EVENT.PREVIEW_IMAGE_WITH_METADATA, encoder.encode(meta).length, meta, image(d.image_bytes ?? 0))
    }
    default:
      throw new Error(`recorded binary event ${d.event} has no builder in this test`)
  }
}

function parsed(data: ArrayBuffer | Uint8Array): BinaryFrame {
  const result = parseBinaryFrame(data)
  if (!result.ok)
    throw new Error(`expected the frame to parse, got: ${result.reason}`)
  return result.value
}

const META = { node_id: '2', prompt_id: 'a39fc8e3-74b7-422a-b9fe-ee3b5f09f574', display_node_id: '2', parent_node_id: null, real_node_id: '2', image_type: 'image/jpeg' }

describe('parseBinaryFrame', () => {
  describe.each(VERSIONS)('with frames rebuilt from the recordings of %s', (version) => {
    const recorded = loadBinaryFrames(version)

    it('finds text and preview frames in the recordings', () => {
      expect(new Set(recorded.map(r => r.frame.decoded.event))).toEqual(new Set(version.startsWith('v0.33')
        ? ['TEXT', 'PREVIEW_IMAGE', 'PREVIEW_IMAGE_WITH_METADATA']
        : ['TEXT', 'PREVIEW_IMAGE']))
    })

    it.each(recorded.map(r => [r.file, r.frame.decoded.event, r.frame] as const))('parses the %s %s frame as recorded', (_file, _event, rec) => {
      const bytes = rebuild(rec)
      const view = new DataView(bytes.buffer)
      // The rebuilt frame matches the recording's length and header.
      expect([bytes.length, view.getUint32(0), view.getUint32(4)]).toEqual([rec.length, ...rec.u32be])
      const value = parsed(bytes.buffer)
      const d = rec.decoded
      if (d.event === 'TEXT') {
        expect(value).toEqual({ kind: 'text', nodeId: d.node_id, text: d.text })
      }
      else if (d.event === 'PREVIEW_IMAGE') {
        expect(value).toMatchObject({ kind: 'preview', imageType: 'image/jpeg' })
        expect(value.kind === 'preview' && value.metadata).toBe(undefined)
        expect(value.kind === 'preview' && value.bytes.length).toBe(d.image_bytes)
        expect(value.kind === 'preview' && [...value.bytes.subarray(0, 2)]).toEqual([0xFF, 0xD8])
      }
      else {
        expect(value).toMatchObject({ kind: 'preview', imageType: d.metadata?.image_type, metadata: d.metadata })
        expect(value.kind === 'preview' && value.bytes.length).toBe(d.image_bytes)
        expect(value.kind === 'preview' && [...value.bytes.subarray(0, 2)]).toEqual([0xFF, 0xD8])
      }
    })
  })

  it('parses a PNG preview', () => {
    expect(parsed(frame(1, 2, image(10)))).toMatchObject({ kind: 'preview', imageType: 'image/png' })
  })

  it('returns image bytes as a view of the frame, not a copy', () => {
    const input = frame(1, 1, image(100))
    const value = parsed(input)
    expect(value.kind === 'preview' && value.bytes.buffer).toBe(input.buffer)
    expect(value.kind === 'preview' && value.bytes.byteOffset).toBe(8)
    const withMeta = frame(4, 155, JSON.stringify(META), image(50))
    const meta = parsed(withMeta)
    expect(meta.kind === 'preview' && meta.bytes.buffer).toBe(withMeta.buffer)
    expect(meta.kind === 'preview' && meta.bytes.byteOffset).toBe(8 + 155)
  })

  it('reads a Uint8Array that is a window into a larger buffer', () => {
    const inner = frame(3, 1, '7', 'step 2/9')
    const outer = new Uint8Array(inner.length + 20).fill(0xEE)
    outer.set(inner, 10)
    expect(parsed(outer.subarray(10, 10 + inner.length))).toEqual({ kind: 'text', nodeId: '7', text: 'step 2/9' })
  })

  it('accepts an ArrayBuffer, a Node Buffer and other views', () => {
    const bytes = frame(3, 2, '12', 'ok')
    const expected = { kind: 'text', nodeId: '12', text: 'ok' }
    expect(parsed(bytes.slice().buffer)).toEqual(expected)
    expect(parsed(Buffer.from(bytes))).toEqual(expected)
    expect(parsed(new DataView(bytes.buffer) as unknown as Uint8Array)).toEqual(expected)
  })

  it('decodes UTF-8 node ids and text', () => {
    expect(parsed(frame(3, encoder.encode('nœud').length, 'nœud', 'étape 1/4 ✓'))).toEqual({ kind: 'text', nodeId: 'nœud', text: 'étape 1/4 ✓' })
  })

  it('accepts a text frame with empty text', () => {
    expect(parsed(frame(3, 1, '3'))).toEqual({ kind: 'text', nodeId: '3', text: '' })
  })

  it.each([0, 2, 5, 99, 0xFFFFFFFF])('returns event type %i as unknown', (event) => {
    expect(parseBinaryFrame(frame(event, 1, 2, 3))).toEqual({ ok: true, value: { kind: 'unknown', eventType: event } })
    expect(parseBinaryFrame(frame(event))).toEqual({ ok: true, value: { kind: 'unknown', eventType: event } })
  })

  const metaFrame = (meta: string, img = image(4)) => frame(4, encoder.encode(meta).length, meta, img)
  it.each([
    ['a zero-length frame', new Uint8Array(0), /empty \(0 bytes\)/],
    ['a 1-byte frame', new Uint8Array([0]), /1 bytes is shorter than its 4-byte event type/],
    ['a 3-byte frame', new Uint8Array([0, 0, 0]), /3 bytes is shorter than its 4-byte event type/],
    ['a preview without image type', frame(1), /event type 1 is 4 bytes, shorter than its 8-byte header/],
    ['a preview cut inside the image type', frame(1, 1).subarray(0, 6), /event type 1 is 6 bytes/],
    ['a preview without image bytes', frame(1, 1), /preview frame has no image bytes/],
    ['a preview of unknown image type', frame(1, 3, image(4)), /image type 3 is unknown/],
    ['a preview of image type 0', frame(1, 0, image(4)), /image type 0 is unknown/],
    ['a metadata preview without length', frame(4, 0).subarray(0, 7), /event type 4 is 7 bytes, shorter than its 8-byte header/],
    ['a metadata length beyond the end', frame(4, 1000, '{}', image(4)), /metadata length 1000 runs past the end of the frame \(6 bytes after the header\)/],
    ['a metadata length of 0xFFFFFFFF', frame(4, 0xFFFFFFFF, image(4)), /metadata length 4294967295 runs past the end/],
    ['invalid metadata JSON', metaFrame('{"node_id": "2",'), /metadata is not valid JSON/],
    ['metadata that is an array', metaFrame('[1]'), /metadata is not a JSON object/],
    ['metadata that is null', metaFrame('null'), /metadata is not a JSON object/],
    ['metadata without prompt_id', metaFrame('{"node_id":"2","image_type":"image/jpeg"}'), /metadata prompt_id is not a string/],
    ['metadata with a numeric node_id', metaFrame('{"node_id":2,"prompt_id":"p","image_type":"image/jpeg"}'), /metadata node_id is not a string/],
    ['metadata with a non-image type', metaFrame('{"node_id":"2","prompt_id":"p","image_type":"text/html"}'), /image_type is not an image MIME type/],
    ['metadata with a numeric parent_node_id', metaFrame('{"node_id":"2","prompt_id":"p","image_type":"image/png","parent_node_id":1}'), /parent_node_id is not a string/],
    ['metadata with invalid UTF-8', frame(4, 3, new Uint8Array([0x7B, 0xC3, 0x7D]), image(4)), /metadata is not valid UTF-8/],
    ['a metadata preview without image bytes', metaFrame(JSON.stringify(META), new Uint8Array(0)), /no image bytes after its metadata/],
    ['a text frame cut inside the node id length', frame(3, 1).subarray(0, 5), /event type 3 is 5 bytes/],
    ['a node id length beyond the end', frame(3, 5, '3', 'x'), /node id length 5 runs past the end of the frame \(2 bytes after the header\)/],
    ['a text frame with invalid UTF-8 text', frame(3, 1, '3', new Uint8Array([0xFF, 0xFE])), /progress text is not valid UTF-8/],
    ['a text frame with invalid UTF-8 node id', frame(3, 1, new Uint8Array([0x80]), 'x'), /node id is not valid UTF-8/],
  ])('refuses %s', (_name, bytes, reason) => {
    const result = parseBinaryFrame(bytes)
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(result.reason).toMatch(reason)
  })

  it.each([
    ['a string', 'frame', /not an ArrayBuffer or Uint8Array \(got string\)/],
    ['null', null, /got null/],
    ['an object', { byteLength: 8 }, /got object/],
    ['a Blob', new Blob([frame(3, 1, '3', 'x')]), /Blob: set the socket's binaryType to "arraybuffer"/],
  ])('refuses %s as input without throwing', (_name, input, reason) => {
    const result = parseBinaryFrame(input as unknown as Uint8Array)
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(result.reason).toMatch(reason)
  })

  describe('truncated at every header boundary', () => {
    const meta = pythonJson(META)
    it.each([
      ['a JPEG preview', frame(1, 1, image(20)), 8],
      ['a metadata preview', frame(4, meta.length, meta, image(20)), 8 + meta.length],
      ['a progress text', frame(3, 1, '3', 'step 1/4'), 8],
    ])('refuses %s cut anywhere before its payload', (_name, full, headerEnd) => {
      expect(parseBinaryFrame(full).ok).toBe(true)
      for (let length = 0; length <= headerEnd; length++) {
        const result = parseBinaryFrame(full.slice(0, length))
        expect(result.ok, `cut at ${length} bytes`).toBe(false)
        if (!result.ok)
          expect(result.reason).toMatch(/empty|shorter than|runs past the end|no image bytes/)
      }
    })
  })

  it('never throws on random frames', () => {
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const outcomes = { ok: 0, failed: 0 }
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(Math.floor(random() * 64))
      for (let j = 0; j < bytes.length; j++)
        bytes[j] = Math.floor(random() * 256)
      // Mostly known event types with small lengths, so the deeper branches run too.
      if (bytes.length >= 8) {
        bytes.set([0, 0, 0, [1, 3, 4][i % 3] ?? 1], 0)
        bytes.set([0, 0, 0, Math.floor(random() * 40)], 4)
      }
      const result = parseBinaryFrame(bytes)
      outcomes[result.ok ? 'ok' : 'failed']++
    }
    expect(outcomes.ok).toBeGreaterThan(100)
    expect(outcomes.failed).toBeGreaterThan(100)
  })
})
