// Bench 5: heap per retained finished task. Builds N finished tasks the way the store does (createTask, the POST /prompt
// answer, then every socket frame of a real run through parseMessage/applyMessage and the last preview through
// parseBinaryFrame/applyPreview) and keeps them in a Map keyed by prompt id, as the store's `tasks` does. Baseline:
// the same Map with the same keys holding empty objects `{}`. Heap is read after forced full GCs (node --expose-gc).
import type { ComfyTask } from '../../src/core/task-state'
import type { BenchResult } from './stats'
import { parseBinaryFrame } from '../../src/core/binary-frames'
import { parseMessage } from '../../src/core/protocol'
import { applyMessage, applyPreview } from '../../src/core/task-frames'
import { createTask, isTerminal } from '../../src/core/task-state'
import { CLIENT_ID, executedFrame, executionStartFrame, executionSuccessFrame, metadataPreviewFrame, promptIdOf, promptTextFrames } from './fixtures'
import { fmt, median, round, verdictOf } from './stats'

const N = 10_000
const STEPS = 4 // the recorded run: TestSlowProgress with 4 steps
const REPEATS = 3
const SERVER = 'http://127.0.0.1:8188'

type Gc = () => void

function gcFull(gc: Gc): void {
  for (let i = 0; i < 4; i++) gc()
}

function apply(task: ComfyTask, frame: string, at: number): ComfyTask {
  const parsed = parseMessage(frame)
  if (!parsed.ok)
    throw new Error(`bench frame refused: ${parsed.reason}`)
  return applyMessage(task, parsed.value, at)
}

/** One task through a whole run, as the store applies it; `withPreview` keeps the last preview frame. */
function finishedTask(promptId: string, index: number, withPreview: boolean): ComfyTask {
  let at = 1_795_889_356_999 + index
  let task = createTask({ promptId, server: SERVER, clientId: CLIENT_ID, now: at })
  task = { ...task, state: 'queued', number: index, queuedAt: at } // the POST /prompt answer
  task = apply(task, executionStartFrame(promptId), ++at)
  const frames = promptTextFrames(promptId, STEPS)
  for (let i = 0; i < frames.length - 2; i++) {
    task = apply(task, frames[i]!, ++at)
    if (withPreview && i === frames.length - 3) {
      // The preview after the last step; its bytes are a view into the received frame.
      const parsed = parseBinaryFrame(metadataPreviewFrame(promptId, index + 1))
      if (!parsed.ok || parsed.value.kind !== 'preview')
        throw new Error('bench preview refused')
      task = applyPreview(task, { mime: parsed.value.imageType, bytes: parsed.value.bytes, nodeId: parsed.value.metadata?.node_id ?? task.node, receivedAt: ++at })
    }
  }
  task = apply(task, frames[frames.length - 2]!, ++at) // executing node 4
  task = apply(task, executedFrame(promptId, index + 1), ++at)
  task = apply(task, frames[frames.length - 1]!, ++at) // executing null
  task = apply(task, executionSuccessFrame(promptId), ++at)
  if (!isTerminal(task.state) || task.images.length !== 1 || Object.keys(task.outputs).length !== 1)
    throw new Error(`bench task did not finish with its output (state ${task.state})`)
  return task
}

interface Sample { heap: number, external: number }

function retained(gc: Gc, ids: readonly string[], make: (id: string, i: number) => unknown): { sample: Sample, keep: Map<string, unknown> } {
  gcFull(gc)
  const before = process.memoryUsage()
  const keep = new Map<string, unknown>()
  for (let i = 0; i < ids.length; i++) keep.set(ids[i]!, make(ids[i]!, i))
  gcFull(gc)
  const after = process.memoryUsage()
  return { sample: { heap: (after.heapUsed - before.heapUsed) / ids.length, external: (after.arrayBuffers - before.arrayBuffers) / ids.length }, keep }
}

export function benchHeap(): BenchResult[] {
  const gc = (globalThis as { gc?: Gc }).gc
  if (typeof gc !== 'function')
    throw new Error('global.gc is missing: run node with --expose-gc (npm run bench does)')
  // The ids exist before the first reading: both sides hold the same keys.
  const ids = Array.from({ length: N }, (_, i) => promptIdOf(1_000_000 + i))
  const empty: Sample[] = []
  const plain: Sample[] = []
  const preview: Sample[] = []
  // Warm-up: compile the reducer paths once so code objects are not counted.
  for (let i = 0; i < 200; i++) finishedTask(promptIdOf(i), i, true)
  for (let r = 0; r < REPEATS; r++) {
    // Each side is measured and dropped before the next: only one Map is alive at a time.
    let m = retained(gc, ids, () => ({}))
    empty.push(m.sample)
    m = retained(gc, ids, (id, i) => finishedTask(id, i, false))
    plain.push(m.sample)
    m = retained(gc, ids, (id, i) => finishedTask(id, i, true))
    preview.push(m.sample)
    if (m.keep.size !== N)
      throw new Error('lost tasks')
  }
  const emptyHeap = median(empty.map(s => s.heap))
  const plainHeap = median(plain.map(s => s.heap))
  const previewHeap = median(preview.map(s => s.heap))
  const previewExternal = median(preview.map(s => s.external))
  const details = {
    tasks: N,
    repeats: REPEATS,
    emptyObjectBytes: round(emptyHeap, 1),
    taskBytesNoPreview: round(plainHeap, 1),
    taskBytesWithPreview: round(previewHeap, 1),
    previewArrayBufferBytesPerTask: round(previewExternal, 1),
    samples: { empty, plain, preview },
  }
  return [
    {
      id: 'heap-task',
      name: `heap / retained finished task (${N / 1000}k, outputs + images)`,
      measured: `${fmt(plainHeap, 0)} B/task`,
      baseline: `{} ${fmt(emptyHeap, 0)} B/entry`,
      ratio: round(plainHeap / emptyHeap, 2),
      target: null,
      verdict: verdictOf(plainHeap / emptyHeap, null),
      details,
      notes: [`each task ran createTask → POST /prompt answer → execution_start, ${STEPS} progress, executing ×5, executed (1 image) → execution_success; kept in a Map by prompt id as the store does; baseline {} in a Map with the same keys; no target (informational)`],
    },
    {
      id: 'heap-task-preview',
      name: `heap / retained finished task, last preview kept`,
      measured: `${fmt(previewHeap, 0)} B/task + ${fmt(previewExternal, 0)} B ArrayBuffer`,
      baseline: `{} ${fmt(emptyHeap, 0)} B/entry`,
      ratio: round(previewHeap / emptyHeap, 2),
      target: null,
      verdict: verdictOf(previewHeap / emptyHeap, null),
      details,
      notes: [`the type-4 preview's bytes are a view into the whole received frame, so a finished task keeps that frame's ArrayBuffer: +${fmt(previewExternal, 0)} B/task outside the V8 heap (real previews are larger)`],
    },
  ]
}
