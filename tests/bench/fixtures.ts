// Socket frames shaped like the recorded ComfyUI v0.33.0 run in
// tests/fixtures/comfyui/v0.33.0-783545f-cpu/04_prompt_run_legacy_client.json (text frames, type-1 previews of
// 1680 bytes) and 06_prompt_run_feature_flags_client.json (type-4 previews: 166 bytes of metadata + 694 image bytes).
// Text is serialized as Python's json.dumps does (", " and ": " separators), so frame lengths match the wire.

/** Python `json.dumps` with default options, for the plain values used here. */
export function pyDumps(value: unknown): string {
  if (value === null || value === undefined)
    return 'null'
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return JSON.stringify(value)
  if (Array.isArray(value))
    return `[${value.map(pyDumps).join(', ')}]`
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`).join(', ')}}`
}

/** A deterministic UUID-shaped prompt id (ComfyUI's are uuid4 strings). */
export function promptIdOf(i: number): string {
  const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, '0')
  return `${hex}-f1b2-40b5-96f7-${i.toString(16).padStart(12, '0')}`
}

/** The client id of the recorded run. */
export const CLIENT_ID = '4379b43b27a84f03a532c59ab1b933c6'

/** One prompt's text frames as the server sends them during a run: executing per node, progress per sampler step. */
export function promptTextFrames(promptId: string, steps: number): string[] {
  const executing = (node: string | null): string => pyDumps({ type: 'executing', data: node === null ? { node: null, prompt_id: promptId } : { node, display_node: node, prompt_id: promptId } })
  const frames = [executing('1'), executing('2'), executing('3')]
  for (let step = 1; step <= steps; step++)
    frames.push(pyDumps({ type: 'progress', data: { value: step, max: steps, prompt_id: promptId, node: '3' } }))
  frames.push(executing('4'), executing(null))
  return frames
}

/** The `executed` frame of the SaveImage node of the recorded run. */
export function executedFrame(promptId: string, index = 1): string {
  return pyDumps({ type: 'executed', data: { node: '4', display_node: '4', output: { images: [{ filename: `rc_main_${String(index).padStart(5, '0')}_.png`, subfolder: '', type: 'output' }] }, prompt_id: promptId } })
}

export function executionStartFrame(promptId: string): string {
  return pyDumps({ type: 'execution_start', data: { prompt_id: promptId, timestamp: 1795889357000 } })
}

export function executionSuccessFrame(promptId: string): string {
  return pyDumps({ type: 'execution_success', data: { prompt_id: promptId, timestamp: 1795889359067 } })
}

/** A text stream of `count` frames: prompts of `steps` progress frames each, with their `executing` frames. */
export function textStream(count: number, steps = 20): { frames: string[], promptOf: Int32Array, prompts: string[] } {
  const frames: string[] = []
  const promptOf = new Int32Array(count)
  const prompts: string[] = []
  while (frames.length < count) {
    const id = promptIdOf(prompts.length)
    for (const frame of promptTextFrames(id, steps)) {
      if (frames.length === count)
        break
      promptOf[frames.length] = prompts.length
      frames.push(frame)
    }
    prompts.push(id)
  }
  return { frames, promptOf, prompts }
}

function u32be(target: Uint8Array, offset: number, value: number): void {
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(offset, value, false)
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

/** A type-1 preview (client without feature flags): `[1][1 = JPEG][1672 image bytes]`, 1680 bytes as recorded. */
export function legacyPreviewFrame(seed: number): ArrayBuffer {
  const frame = new Uint8Array(1680)
  u32be(frame, 0, 1)
  u32be(frame, 4, 1)
  frame.set(jpegBytes(1672, seed), 8)
  return frame.buffer
}

/** A type-4 preview (client sent `supports_preview_metadata`, as comfy-tether does): 868 bytes as recorded. */
export function metadataPreviewFrame(promptId: string, seed: number): ArrayBuffer {
  const meta = new TextEncoder().encode(pyDumps({ node_id: '2', prompt_id: promptId, display_node_id: '2', parent_node_id: null, real_node_id: '2', image_type: 'image/jpeg' }))
  const image = jpegBytes(694, seed)
  const frame = new Uint8Array(8 + meta.length + image.length)
  u32be(frame, 0, 4)
  u32be(frame, 4, meta.length)
  frame.set(meta, 8)
  frame.set(image, 8 + meta.length)
  return frame.buffer
}
