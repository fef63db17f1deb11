// Preview images become object URLs (blob:), which hold their bytes until revoked. Every one the store creates is
// revoked when a newer preview replaces it, when its task ends or is pruned from the retained ones (whichever the
// store's policy is), and at the latest when the store is disposed. At every moment the URLs alive are exactly those
// the store shows in `previewUrls` (at most the latest of each retained task): none leaks, none shown is revoked.
import type { MockInstance } from 'vitest'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSim: (() => Promise<void>) | undefined
let created: MockInstance<typeof URL.createObjectURL>
let revoked: MockInstance<typeof URL.revokeObjectURL>

beforeEach(() => {
  // Spies that call through: the URLs are real (happy-dom's), the test only watches them.
  created = vi.spyOn(URL, 'createObjectURL')
  revoked = vi.spyOn(URL, 'revokeObjectURL')
})
afterEach(async () => {
  unmountAll()
  vi.restoreAllMocks()
  await closeSim?.()
  closeSim = undefined
})

async function simulator() {
  const sim = await createComfySimulator({ speed: 2 })
  closeSim = () => sim.close()
  return sim
}

const createdUrls = (): string[] => created.mock.results.flatMap(r => (r.type === 'return' ? [r.value as string] : []))
const revokedUrls = (): Set<string> => new Set(revoked.mock.calls.map(([url]) => url))
/** Object URLs created by the store and not revoked. */
const alive = (): string[] => createdUrls().filter(url => !revokedUrls().has(url))
/** The invariant: alive object URLs are exactly the ones `previewUrls` shows, of retained tasks only. */
function expectAliveAreShown(store: { previewUrls: Map<string, string>, tasks: Map<string, unknown> }): void {
  expect(new Set(alive())).toEqual(new Set(store.previewUrls.values()))
  for (const id of store.previewUrls.keys()) expect(store.tasks.has(id)).toBe(true)
}

describe('preview object URLs', () => {
  it('revokes each preview when the next replaces it, and every one by unmount at the latest', async () => {
    const sim = await simulator()
    const { store, unmount } = mountComfy({ servers: [sim.url] })
    const handle = await store.submit(slowWorkflow(6, 1.2))
    await waitFor(() => createdUrls().length >= 3, 'three previews')
    // While it runs: only the preview on show is alive.
    expect(alive()).toEqual([store.previewUrls.get(handle.promptId)])
    await handle.result
    expect(handle.task.value?.state).toBe('succeeded')
    expect(createdUrls().length).toBeGreaterThanOrEqual(6)
    expect(new Set(createdUrls()).size).toBe(createdUrls().length)
    expect(alive().length).toBeLessThanOrEqual(1)
    expectAliveAreShown(store)
    unmount()
    expect(alive()).toEqual([])
    // Revoked once each, never a URL it did not create.
    expect(revoked.mock.calls.length).toBe(createdUrls().length)
  })

  it('revokes the previews of tasks dropped by taskRetention', async () => {
    const sim = await simulator()
    const { store, unmount } = mountComfy({ servers: [sim.url], taskRetention: 1 })
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const handle = await store.submit(slowWorkflow(3, 0.3, 0x101010 * (i + 1)))
      ids.push(handle.promptId)
      await handle.result
    }
    expect([...store.tasks.keys()]).toEqual([ids[2]])
    expect(createdUrls().length).toBeGreaterThanOrEqual(9)
    // The first two tasks are gone, and so are their previews.
    expect(alive().length).toBeLessThanOrEqual(1)
    expectAliveAreShown(store)
    unmount()
    expect(alive()).toEqual([])
  })

  it('revokes the preview of a task that is cancelled or fails', async () => {
    const sim = await simulator()
    const { store, unmount } = mountComfy({ servers: [sim.url] })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => store.previewUrls.has(handle.promptId), 'a preview')
    await store.cancel(handle.promptId)
    await handle.result.catch(() => {})
    expect(handle.task.value?.state).toBe('cancelled')
    expect(store.previewUrls.size).toBe(0)
    expect(alive()).toEqual([])
    unmount()
    expect(createdUrls().length).toBeGreaterThan(0)
    expect(revoked.mock.calls.length).toBe(createdUrls().length)
  })
})

describe('loadImage() object URLs', () => {
  it.each(['app.unmount()', 'store.$dispose()'] as const)('leaves none alive when %s comes while an image still loads', async (how) => {
    const sim = await simulator()
    const { store, pinia, unmount } = mountComfy({ servers: [sim.url] })
    const { result } = await store.submit(emptyImageWorkflow())
    const done = await result
    const task = store.tasks.get(done.promptId)!
    sim.delayResponses(800, '/view')
    const loading = store.loadImage(done.images[0]!, task)
    loading.catch(() => {})
    await waitFor(() => sim.requests.some(r => r.path === '/view'), 'the /view request')
    if (how === 'app.unmount()')
      unmount()
    else
      (pinia as unknown as { _s: Map<string, { $dispose: () => void }> })._s.get('comfy-tether')!.$dispose()

    await expect(loading).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    // Past the time the held answer was due: a loader that ignored the dispose would have made its URL by then.
    const heldAt = sim.requests.find(r => r.path === '/view')!.time
    await new Promise(resolve => setTimeout(resolve, Math.max(0, heldAt + 1100 - Date.now())))
    expect(alive()).toEqual([])
  })
})
