// dispose() is final and complete, whenever it comes: while a submit still reads its node info (/object_info), from a listener that has
// just seen a task end, while an image loads. Every promise handed out settles (with the task's outputs when it had
// already succeeded, else CLIENT_DISPOSED), and nothing is opened or sent after dispose().
import type { ComfySimulator } from 'comfy-tether/testing'
import { startSimulators } from 'comfy-tether/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { emptyImageWorkflow, invertWorkflow, pngBlob, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'

const { servers, onClose } = simulatorPool()

afterEach(() => {
  vi.restoreAllMocks()
})

/** Long enough that the test disposes while the answer is held, short enough that a test waits it out. */
const HELD_MS = 800
/** After the held answer came: time for a client that ignored the dispose to open a socket or send. */
const QUIET_MS = 300


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

describe.each(['session', 'task'] as const)('dispose() while the first submit reads its node info (/object_info) (affinity %s)', (affinity) => {
  it('rejects that submit with CLIENT_DISPOSED and opens or sends nothing afterwards', async () => {
    const { sims: [sim] } = await servers(1)
    sim!.delayResponses(HELD_MS, '/object_info')
    const client = nodeClient({ servers: [sim!.url], affinity })
    // Judged by when the client sent a request, not when it arrived: the submit reads its classes' node info together,
    // and under load the second read may arrive after dispose() although it left before (a flaky failure once).
    client.http.interceptors.request.use((config) => {
      config.headers.set('x-sent-at', String(Date.now()))
      return config
    })
    const submitting = client.submit(emptyImageWorkflow())
    submitting.catch(() => {})
    await waitFor(() => sim!.requests.some(r => r.path.startsWith('/object_info')), 'the submit to ask for /object_info')
    const seen = sim!.requests.length
    const disposedAt = Date.now()
    client.dispose()

    await expect(submitting).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    await sentAfter(sim!, seen)
    const sentLate = sim!.requests.slice(seen).filter(r => r.kind !== 'http' || Number(r.headers?.['x-sent-at']) >= disposedAt)
    expect(sentLate.map(r => `${r.kind} ${r.method ?? ''} ${r.path}`)).toEqual([])
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
    const slow = await client.submit(slowWorkflowWithoutPreviews(6, 1.2)) // queued behind the fast one on the locked server
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

describe('dispose() while another call of the app awaits its server', () => {
  // 0.3.44 has no jobs API: cancel reads GET /queue, then deletes or interrupts; 0.33.0 cancels by id in one request.
  it.each([
    { version: '0.3.44' as const, held: '/queue', asks: (r: { method?: string, path: string }) => r.method === 'GET' && r.path === '/queue' },
    { version: '0.33.0' as const, held: '/api/jobs', asks: (r: { method?: string, path: string }) => r.method === 'POST' && /^\/api\/jobs\/[^/]+\/cancel$/.test(r.path) },
  ])('rejects a cancel() whose request is held ($version), and deletes or interrupts nothing afterwards', async ({ version, held, asks }) => {
    const started = await startSimulators(1, { speed: 1, version })
    onClose(started.close)
    const [sim] = started.sims
    const client = nodeClient({ servers: [sim!.url] })
    await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    const queued = await client.submit(emptyImageWorkflow()) // behind the slow one on the locked server
    // (0.3.44 ignores the minted id: the handle follows the task under the server's own id)
    await waitFor(() => queued.task?.state === 'queued', 'the second task to be queued')
    sim!.delayResponses(HELD_MS, held)
    const asked = sim!.requests.length
    const cancelling = client.cancel(queued.task!.promptId)
    cancelling.catch(() => {})
    await waitFor(() => sim!.requests.slice(asked).some(asks), `the cancel to ask ${held}`)
    const seen = sim!.requests.length
    client.dispose()

    await expect(cancelling).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    await expect(queued.result).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    expect((await sentAfter(sim!, seen)).filter(r => r.startsWith('http POST'))).toEqual([])
  })

  it('rejects an uploadImage() still choosing the first lock, and locks or uploads nothing afterwards', async () => {
    const { sims: [sim] } = await servers(1)
    sim!.delayResponses(HELD_MS, '/prompt')
    const client = nodeClient({ servers: [sim!.url] })
    const uploading = client.uploadImage(pngBlob().blob)
    uploading.catch(() => {})
    await waitFor(() => sim!.requests.some(r => r.method === 'GET' && r.path === '/prompt'), 'the health check of the first lock')
    const seen = sim!.requests.length
    client.dispose()

    await expect(uploading).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    expect(await sentAfter(sim!, seen)).toEqual([])
    expect(sim!.requests.filter(r => r.kind === 'ws-open')).toEqual([])
    expect(client.locks).toEqual([])
  })

  it('sends no POST /prompt for a task whose image upload was held at dispose()', async () => {
    const { sims: [sim] } = await servers(1)
    sim!.delayResponses(HELD_MS, '/upload/image')
    const client = nodeClient({ servers: [sim!.url] })
    const handle = await client.submit(invertWorkflow(), { images: { 1: pngBlob().blob } })
    await waitFor(() => sim!.requests.some(r => r.path === '/upload/image'), 'the upload')
    const seen = sim!.requests.length
    client.dispose()

    await expect(handle.result).rejects.toMatchObject({ code: 'CLIENT_DISPOSED', promptId: handle.promptId })
    expect((await sentAfter(sim!, seen)).filter(r => r.startsWith('http POST'))).toEqual([])
  })

  it('refuses every call made after dispose() with CLIENT_DISPOSED and sends nothing', async () => {
    const { sims: [sim] } = await servers(1)
    const client = nodeClient({ servers: [sim!.url] })
    const done = await (await client.submit(emptyImageWorkflow())).result
    client.dispose()
    const seen = sim!.requests.length

    const calls: Record<string, () => Promise<unknown>> = {
      'submit()': () => client.submit(emptyImageWorkflow()),
      'cancel()': () => client.cancel(done.promptId),
      'refreshServers()': () => client.refreshServers(),
      'reconcileNow()': () => client.reconcileNow(),
      'objectInfo()': () => client.objectInfo(sim!.url),
      'canRunOn()': () => client.canRunOn(emptyImageWorkflow()),
      'uploadImage()': () => client.uploadImage(pngBlob().blob),
      'loadImage()': () => client.loadImage(done.images[0]!, sim!.url),
    }
    for (const [operation, call] of Object.entries(calls))
      await expect(call(), operation).rejects.toMatchObject({ code: 'CLIENT_DISPOSED', operation })
    expect((await sentAfter(sim!, seen)).filter(r => r.startsWith('http'))).toEqual([]) // (the socket's own close may come late)
  })
})
