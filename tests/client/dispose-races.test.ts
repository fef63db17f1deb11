// dispose() is final and complete, whenever it comes: while a submit still reads /object_info, from a listener that has
// just seen a task end, while an image loads. Every promise handed out settles (with the task's outputs when it had
// already succeeded, else CLIENT_DISPOSED), and nothing is opened or sent after dispose().
import type { ComfySimulator } from 'comfy-tether/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { emptyImageWorkflow, nodeClient, simulatorPool, slowWorkflow, waitFor } from './helpers'

const { servers } = simulatorPool()

afterEach(() => {
  vi.restoreAllMocks()
})

/** Long enough that the test disposes while the answer is held, short enough that a test waits it out. */
const HELD_MS = 800
/** After the held answer came: time for a client that ignored the dispose to open a socket or send. */
const QUIET_MS = 300

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Waits until the held answers would have reached a client that kept waiting for them, then a quiet period; returns
 * what `sim` got after its first `seen` requests. (A held request the client aborted is never answered, so the time
 * its answer was due is the event to wait for.)
 */
async function sentAfter(sim: ComfySimulator, seen: number): Promise<string[]> {
  const lastArrival = Math.max(...sim.requests.map(r => r.time))
  await sleep(Math.max(0, lastArrival + HELD_MS + QUIET_MS - Date.now()))
  return sim.requests.slice(seen).map(r => `${r.kind} ${r.method ?? ''} ${r.path}`.replace('  ', ' '))
}

describe.each(['session', 'task'] as const)('dispose() while the first submit reads /object_info (affinity %s)', (affinity) => {
  it('rejects that submit with CLIENT_DISPOSED and opens or sends nothing afterwards', async () => {
    const { sims: [sim] } = await servers(1)
    sim!.delayResponses(HELD_MS, '/object_info')
    const client = nodeClient({ servers: [sim!.url], affinity })
    const submitting = client.submit(emptyImageWorkflow())
    submitting.catch(() => {})
    await waitFor(() => sim!.requests.some(r => r.path === '/object_info'), 'the submit to ask for /object_info')
    const seen = sim!.requests.length
    client.dispose()

    await expect(submitting).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    expect(await sentAfter(sim!, seen)).toEqual([])
    expect(sim!.requests.filter(r => r.kind === 'ws-open')).toEqual([])
    expect(client.locks).toEqual([])
    expect(client.tasks.size).toBe(0)
  })
})

describe('dispose() from a subscribe() listener', () => {
  it('resolves the result of the task the listener saw succeed', async () => {
    const { sims: [sim] } = await servers(1)
    const client = nodeClient({ servers: [sim!.url] })
    const { promptId, result } = await client.submit(emptyImageWorkflow())
    client.subscribe(() => {
      if (client.tasks.get(promptId)?.state === 'succeeded')
        client.dispose()
    })
    await expect(result).resolves.toMatchObject({ promptId, server: sim!.url, imageUrls: [expect.stringContaining('/view?')] })
    expect(client.disposed).toBe(true)
  })

  it('resolves the results that ended once pendingCount reaches 0 (a CLI waiting for "all done")', async () => {
    const { sims: [sim] } = await servers(1)
    const client = nodeClient({ servers: [sim!.url], affinity: 'task' })
    const handles = await Promise.all([client.submit(emptyImageWorkflow(1)), client.submit(emptyImageWorkflow(2))])
    client.subscribe(() => {
      if (client.pendingCount === 0)
        client.dispose()
    })
    const results = await Promise.all(handles.map(h => h.result))
    expect(results.map(r => r.promptId)).toEqual(handles.map(h => h.promptId))
    expect(client.disposed).toBe(true)
  })

  it('rejects only the results still unsettled with CLIENT_DISPOSED', async () => {
    const { sims: [sim] } = await servers(1)
    const client = nodeClient({ servers: [sim!.url] })
    const fast = await client.submit(emptyImageWorkflow())
    const slow = await client.submit(slowWorkflow(6, 1.2)) // queued behind the fast one on the locked server
    client.subscribe(() => {
      if (client.tasks.get(fast.promptId)?.state === 'succeeded')
        client.dispose()
    })
    await expect(fast.result).resolves.toMatchObject({ promptId: fast.promptId })
    await expect(slow.result).rejects.toMatchObject({ code: 'CLIENT_DISPOSED', promptId: slow.promptId })
  })
})

describe('dispose() while loadImage() loads', () => {
  it('rejects the call with CLIENT_DISPOSED and leaves no blob: URL alive', async () => {
    const { sims: [sim] } = await servers(1)
    const client = nodeClient({ servers: [sim!.url] })
    const { result } = await client.submit(emptyImageWorkflow())
    const done = await result
    const task = client.tasks.get(done.promptId)!
    const created: string[] = []
    const revoked = new Set<string>()
    const create = URL.createObjectURL.bind(URL)
    const revoke = URL.revokeObjectURL.bind(URL)
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      const url = create(blob)
      created.push(url)
      return url
    })
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => {
      revoked.add(url)
      revoke(url)
    })
    sim!.delayResponses(HELD_MS, '/view')
    const loading = client.loadImage(done.images[0]!, task)
    loading.catch(() => {})
    await waitFor(() => sim!.requests.some(r => r.path === '/view'), 'the /view request')
    client.dispose()

    await expect(loading).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    await sentAfter(sim!, 0)
    expect(created.filter(url => !revoked.has(url))).toEqual([])
  })
})
