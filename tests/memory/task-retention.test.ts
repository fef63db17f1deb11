// 10,000 finished tasks through one store under the default retention: the store keeps at most `taskRetention` (100)
// finished tasks and its heap stays flat. The simulator runs in its own process (sim-process.ts), so the heap measured
// here is the store's (plus Vue, axios and happy-dom), not the simulator's history and request log.
//
// Run with the `memory` project (happy-dom, --expose-gc): npx vitest run --project memory
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMFY_DEFAULTS } from '../../src/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow } from '../helpers/workflows'
import { startSimulatorProcess } from '../helpers/sim-process'
import { sleep, waitFor } from '../helpers/wait'

const TOTAL = 10_000
/** Tasks in flight at once: each batch is submitted together and awaited, so the lock is taken and released per batch. */
const BATCH = 100
/**
 * Allowed heap growth between 100 and 10,000 tasks, after gc. What the store legitimately holds is the same at both
 * points (100 finished tasks of ~2 KB, 200 log entries), so the difference is noise plus any leak. Measured: 2–2.5 MB,
 * none of it ours (heap snapshots): each task makes two requests (`POST /prompt`, and `GET /history/{id}` once it
 * succeeded), and happy-dom's fetch keeps an empty response-cache list per distinct GET URL (~130 B per task, under
 * DetachedBrowserContext.responseCache); the rest is V8 code and feedback. (axios's same-origin XSRF check, skipped by
 * comfy-tether, would add a `{ deref, find }` query-cache pair per request on happy-dom's HTMLHtmlElement, ~220 B.)
 * 8 MB is generous for that and still catches a leak of 850 B per task (9,900 × 850 B ≈ 8 MB), far below what one
 * retained task weighs (the task, its outputs, its promise and handle: several KB).
 */
const MAX_GROWTH_MB = 8

const gc = (globalThis as { gc?: () => void }).gc

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!()
    await sleep(25)
  }
  return process.memoryUsage().heapUsed
}

let sim: Awaited<ReturnType<typeof startSimulatorProcess>>
beforeAll(async () => {
  sim = await startSimulatorProcess([100])
})
afterAll(async () => {
  unmountAll()
  await sim?.stop()
})

describe('task retention', () => {
  it('keeps at most taskRetention finished tasks and a flat heap over 10,000 tasks', async ({ annotate }) => {
    expect(gc, 'run this file with --expose-gc (vitest project "memory")').toBeTypeOf('function')
    expect(COMFY_DEFAULTS.taskRetention).toBe(100)
    const { store } = mountComfy({ servers: [sim.urls[0]!] }) // taskRetention and logLimit left at their defaults
    let done = 0
    let succeeded = 0
    let maxSize = 0
    const run = async (count: number): Promise<void> => {
      while (count > 0) {
        const n = Math.min(BATCH, count)
        const handles = await Promise.all(Array.from({ length: n }, (_, i) => store.submit(emptyImageWorkflow((done + i) % 0x1000000, 'retention'))))
        const results = await Promise.allSettled(handles.map(h => h.result))
        succeeded += results.filter(r => r.status === 'fulfilled').length
        done += n
        count -= n
        maxSize = Math.max(maxSize, store.tasks.size)
      }
    }

    await run(100)
    await waitFor(() => store.lock === null, 'the release')
    const heapAt100 = await settledHeap()
    await run(TOTAL - 100)
    await waitFor(() => store.lock === null, 'the release')
    const heapAtTotal = await settledHeap()
    const growthMb = (heapAtTotal - heapAt100) / 1024 / 1024
    // The figure, in `--reporter=verbose` and with a failure, not as a stray line in every run.
    await annotate(`heap: ${(heapAt100 / 1048576).toFixed(1)} MB after 100 tasks, ${(heapAtTotal / 1048576).toFixed(1)} MB after ${TOTAL} (growth ${growthMb.toFixed(2)} MB; store.tasks.size ${store.tasks.size}, log ${store.log.length})`)

    expect(succeeded).toBe(TOTAL)
    expect(store.pendingCount).toBe(0)
    expect(store.tasks.size).toBe(100)
    // Checked after every batch (all of its tasks finished): never more than 100 kept.
    expect(maxSize).toBeLessThanOrEqual(100)
    expect(store.log.length).toBeLessThanOrEqual(COMFY_DEFAULTS.logLimit)
    expect(store.previewUrls.size).toBe(0)
    expect(growthMb).toBeLessThan(MAX_GROWTH_MB)
  }, 180_000)
})
