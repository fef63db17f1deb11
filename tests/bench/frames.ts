// Bench 2: frame handling in the core alone (frames-app.ts measures the full store path). The library's hot path per
// socket frame (parseMessage + applyMessage for text, parseBinaryFrame + applyPreview for previews) against the least
// any client must do with the same bytes: JSON.parse for text; for a preview, reading the header, slicing out the image
// bytes and, for type 4, decoding and JSON.parse-ing the metadata (not merely reading two integers).
import type { ComfyTask } from '../../src/core/task-state'
import type { BenchResult } from './stats'
import { parseBinaryFrame } from '../../src/core/binary-frames'
import { parseMessage } from '../../src/core/protocol'
import { applyMessage, applyPreview } from '../../src/core/task-frames'
import { createTask } from '../../src/core/task-state'
import { CLIENT_ID, legacyPreviewFrame, metadataPreviewFrame, promptIdOf, textStream } from './fixtures'
import { fmt, median, now, relativeSpread, round, verdictOf } from './stats'

const SERVER = 'http://127.0.0.1:8188'
const TEXT_FRAMES = 200_000
const BINARY_FRAMES = 2_000
/** Samples of each side, taken alternately (A B B A …) so drift hits both. */
const SAMPLES = 15
/** The 2,000 binary frames are too quick to time once: each sample runs the batch this many times. */
const BINARY_REPEAT = 40
const BINARY_SAMPLES = 9

let sink = 0

function freshTasks(prompts: readonly string[]): ComfyTask[] {
  return prompts.map(promptId => ({ ...createTask({ promptId, server: SERVER, clientId: CLIENT_ID, now: 0 }), state: 'queued' as const, number: 0, queuedAt: 0 }))
}

function timeJsonParse(frames: readonly string[]): number {
  const start = now()
  let acc = 0
  for (let i = 0; i < frames.length; i++) {
    const msg = JSON.parse(frames[i]!) as { type: string }
    acc += msg.type.length
  }
  const ms = now() - start
  sink += acc
  return ms
}

function timeLibraryText(frames: readonly string[], promptOf: Int32Array, tasks: ComfyTask[]): number {
  const start = now()
  let malformed = 0
  for (let i = 0; i < frames.length; i++) {
    const parsed = parseMessage(frames[i]!)
    if (!parsed.ok) {
      malformed++
      continue
    }
    const p = promptOf[i]!
    tasks[p] = applyMessage(tasks[p]!, parsed.value, i)
  }
  const ms = now() - start
  if (malformed > 0)
    throw new Error(`${malformed} of the bench's text frames were refused by parseMessage`)
  return ms
}

const floorDecoder = /* @__PURE__ */ new TextDecoder()

/**
 * The least a client must do to show a preview: read the header, slice out the image bytes (a view, as parseBinaryFrame
 * hands them on; a copy for a Blob comes later on both sides) and, for type 4, decode and JSON.parse the metadata.
 */
function timeFloor(frames: readonly ArrayBuffer[]): number {
  const start = now()
  let acc = 0
  for (let r = 0; r < BINARY_REPEAT; r++) {
    for (let i = 0; i < frames.length; i++) {
      const buffer = frames[i]!
      const view = new DataView(buffer)
      const event = view.getUint32(0, false)
      const second = view.getUint32(4, false)
      if (event === 4) {
        const meta = JSON.parse(floorDecoder.decode(new Uint8Array(buffer, 8, second))) as { prompt_id: string }
        acc += meta.prompt_id.length + new Uint8Array(buffer, 8 + second).length
      }
      else {
        acc += second + new Uint8Array(buffer, 8).length
      }
    }
  }
  const ms = now() - start
  sink += acc
  return ms
}

/** parseMessage alone, for the split of the library's time. */
function timeParseOnly(frames: readonly string[]): number {
  const start = now()
  let acc = 0
  for (let i = 0; i < frames.length; i++) {
    if (parseMessage(frames[i]!).ok)
      acc++
  }
  const ms = now() - start
  sink += acc
  return ms
}

/** parseBinaryFrame alone, for the split of the library's time. */
function timeParseBinaryOnly(frames: readonly ArrayBuffer[]): number {
  const start = now()
  let acc = 0
  for (let r = 0; r < BINARY_REPEAT; r++) {
    for (let i = 0; i < frames.length; i++) {
      if (parseBinaryFrame(frames[i]!).ok)
        acc++
    }
  }
  const ms = now() - start
  sink += acc
  return ms
}

function timeLibraryBinary(frames: readonly ArrayBuffer[], task: ComfyTask): number {
  const start = now()
  let current = task
  for (let r = 0; r < BINARY_REPEAT; r++) {
    for (let i = 0; i < frames.length; i++) {
      const parsed = parseBinaryFrame(frames[i]!)
      if (!parsed.ok || parsed.value.kind !== 'preview')
        throw new Error(`parseBinaryFrame refused a bench frame: ${parsed.ok ? parsed.value.kind : parsed.reason}`)
      const frame = parsed.value
      current = applyPreview(current, { mime: frame.imageType, bytes: frame.bytes, nodeId: frame.metadata?.node_id ?? current.node, receivedAt: i })
    }
  }
  const ms = now() - start
  sink += current.preview?.bytes.length ?? 0
  return ms
}

/** Runs `a` and `b` alternately (ABBA…), after one warm-up of each; returns the sample times. */
function alternate(a: () => number, b: () => number, samples: number): { a: number[], b: number[] } {
  a()
  b()
  a()
  b()
  const out = { a: [] as number[], b: [] as number[] }
  for (let s = 0; s < samples; s++) {
    if (s % 2 === 0) {
      out.a.push(a())
      out.b.push(b())
    }
    else {
      out.b.push(b())
      out.a.push(a())
    }
  }
  return out
}

export function benchTextFrames(): BenchResult {
  const { frames, promptOf, prompts } = textStream(TEXT_FRAMES)
  const progress = frames.filter(f => f.startsWith('{"type": "progress"')).length
  const bytes = frames.reduce((n, f) => n + f.length, 0)
  let tasks = freshTasks(prompts)
  const t = alternate(
    () => timeJsonParse(frames),
    () => {
      tasks = freshTasks(prompts) // outside the timing: every sample applies the run from the start
      return timeLibraryText(frames, promptOf, tasks)
    },
    SAMPLES,
  )
  // Every complete prompt ends on node 4 (the stream's last prompt may be cut short).
  const applied = tasks.filter(task => task.state === 'running' && task.node === '4').length
  if (applied < prompts.length - 1)
    throw new Error(`applyMessage left ${prompts.length - applied} of ${prompts.length} prompts short of their last node`)
  const jsonMs = median(t.a)
  const libMs = median(t.b)
  const parseOnly = alternate(() => timeParseOnly(frames), () => timeJsonParse(frames), 3)
  const parseOnlyMs = median(parseOnly.a)
  // Same frame count on both sides, so the throughput ratio is time(JSON.parse) / time(library).
  const perRound = t.a.map((ms, i) => ms / t.b[i]!)
  const ratio = median(perRound)
  const target = { op: '>=' as const, value: 0.5 }
  return {
    id: 'frames-text',
    name: `text frames ×${TEXT_FRAMES / 1000}k: parseMessage + applyMessage`,
    measured: `${fmt(TEXT_FRAMES / libMs, 0)}k/s (${fmt(libMs * 1e6 / TEXT_FRAMES, 0)} ns/frame)`,
    baseline: `JSON.parse ${fmt(TEXT_FRAMES / jsonMs, 0)}k/s (${fmt(jsonMs * 1e6 / TEXT_FRAMES, 0)} ns)`,
    ratio: round(ratio),
    target,
    verdict: verdictOf(ratio, target),
    details: {
      frames: TEXT_FRAMES,
      progressFrames: progress,
      executingFrames: TEXT_FRAMES - progress,
      prompts: prompts.length,
      averageFrameChars: round(bytes / TEXT_FRAMES, 1),
      libraryMsMedian: round(libMs),
      jsonParseMsMedian: round(jsonMs),
      libraryNsPerFrame: round(libMs * 1e6 / TEXT_FRAMES, 1),
      jsonParseNsPerFrame: round(jsonMs * 1e6 / TEXT_FRAMES, 1),
      parseMessageOnlyNsPerFrame: round(parseOnlyMs * 1e6 / TEXT_FRAMES, 1),
      parseMessageOnlyVsJsonParse: round(median(parseOnly.b) / parseOnlyMs),
      samples: SAMPLES,
      ratioPerSample: perRound.map(r => round(r)),
      spread: round(relativeSpread(perRound)),
    },
    notes: [`${progress / 1000}k progress + ${(TEXT_FRAMES - progress) / 1000}k executing frames of ${prompts.length} prompts, shaped as recorded; throughput ratio = time(JSON.parse) ÷ time(library); parseMessage alone runs at ${fmt(median(parseOnly.b) / parseOnlyMs, 2)} of JSON.parse's throughput, so the gap is mostly applyMessage`],
  }
}

function binaryRow(kind: 'metadata' | 'legacy'): BenchResult {
  const promptId = promptIdOf(7)
  const frames = Array.from({ length: BINARY_FRAMES }, (_, i) => (kind === 'metadata' ? metadataPreviewFrame(promptId, i + 1) : legacyPreviewFrame(i + 1)))
  const task: ComfyTask = { ...createTask({ promptId, server: SERVER, clientId: CLIENT_ID, now: 0 }), state: 'running', node: '2' }
  const t = alternate(() => timeFloor(frames), () => timeLibraryBinary(frames, task), BINARY_SAMPLES)
  const n = BINARY_FRAMES * BINARY_REPEAT
  const baseMs = median(t.a)
  const libMs = median(t.b)
  const perRound = t.a.map((ms, i) => ms / t.b[i]!)
  const ratio = median(perRound)
  const target = { op: '>=' as const, value: 0.5 }
  const parseOnlyMs = median(alternate(() => timeParseBinaryOnly(frames), () => timeFloor(frames), 3).a)
  const label = kind === 'metadata' ? 'type-4 previews, 868 B' : 'type-1 previews, 1680 B'
  return {
    id: `frames-binary-${kind}`,
    name: `binary ${label} ×${BINARY_FRAMES / 1000}k: parseBinaryFrame + applyPreview`,
    measured: `${fmt(n / libMs, 0)}k/s (${fmt(libMs * 1e6 / n, 0)} ns/frame)`,
    baseline: `least any client does ${fmt(n / baseMs, 0)}k/s (${fmt(baseMs * 1e6 / n, 0)} ns)`,
    ratio: round(ratio, 4),
    target,
    verdict: verdictOf(ratio, target),
    details: {
      frames: BINARY_FRAMES,
      repeatPerSample: BINARY_REPEAT,
      frameBytes: frames[0]!.byteLength,
      libraryNsPerFrame: round(libMs * 1e6 / n, 1),
      floorNsPerFrame: round(baseMs * 1e6 / n, 1),
      parseBinaryFrameOnlyNsPerFrame: round(parseOnlyMs * 1e6 / n, 1),
      samples: BINARY_SAMPLES,
      ratioPerSample: perRound.map(r => round(r, 4)),
      spread: round(relativeSpread(perRound)),
    },
    notes: [
      `${kind === 'metadata' ? 'what comfy-tether negotiates (supports_preview_metadata)' : 'what servers before 0.3.45 send'}; the batch runs ${BINARY_REPEAT}× per sample`,
      `baseline = the least any client does with this frame: read the header, slice out the image bytes (a view)${kind === 'metadata' ? ', TextDecoder + JSON.parse of the metadata' : ''}; parseBinaryFrame alone takes ${fmt(parseOnlyMs * 1e6 / n, 0)} ns/frame`,
    ],
  }
}

export function benchBinaryFrames(): BenchResult[] {
  const rows = [binaryRow('metadata'), binaryRow('legacy')]
  if (sink === 42)
    console.log('') // keeps `sink` observable so the baseline loops are not optimized away
  return rows
}
