// Issue #12: every task ends right and every `result` settles, under servers and networks that misbehave.
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { defineWorkflow } from '../../src/index'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, pngBlob, slowWorkflow } from '../helpers/workflows'
import { sleep, waitFor } from '../helpers/wait'

const sims: ComfySimulator[] = []
afterEach(async () => {
  unmountAll()
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function sim(options: Parameters<typeof createComfySimulator>[0] = {}): Promise<ComfySimulator> {
  const created = await createComfySimulator(options)
  sims.push(created)
  return created
}

/** Two output nodes: SaveImage 3 and SaveImage 4. */
function twoOutputs(color = 0x112233) {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
    2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 2, seconds: 0.2, preview: false, progress_text: false } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'left' } },
    4: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'right' } },
  }
}

describe('a success carries exactly what /history lists', () => {
  it('has every output node although one executed frame was lost', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url] })
    server.loseFrames('executed', 1)
    const handle = await store.submit(twoOutputs())
    const result = await handle.result
    const history = await (await fetch(`${server.url}/history/${handle.promptId}`)).json() as Record<string, { outputs: object }>
    expect(result.outputs).toEqual(history[handle.promptId]!.outputs)
    expect(Object.keys(result.outputs).sort()).toEqual(['3', '4'])
  })

  it('has every output node although one executed frame was cut in half (counted malformed)', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url] })
    server.loseFrames('executed', 1, 'truncate')
    const result = await (await store.submit(twoOutputs(0x445566))).result
    expect(Object.keys(result.outputs).sort()).toEqual(['3', '4'])
    expect(result.images).toHaveLength(2)
    expect(store.malformedFrames).toBe(1)
  })
})

describe('every result settles', () => {
  it('fails the second of two submits the server answered with one prompt id (ProtocolError), and both settle', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url] })
    const first = await store.submit(emptyImageWorkflow(0x010101))
    await waitFor(() => first.task.value?.state !== 'preparing', 'the first answer')
    server.repeatPromptIds(1)
    const second = await store.submit(emptyImageWorkflow(0x020202))
    const outcomes = await Promise.allSettled([first.result, second.result])
    expect(outcomes[0].status).toBe('fulfilled')
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'PROTOCOL_ERROR' } })
    await waitFor(() => store.lock === null, 'the release')
  })

  it('fails with ProtocolError, after bounded polling, a task whose /history entry has no status', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url], reconcile: { interval: 100, lostGrace: 60_000 } })
    const handle = await store.submit(slowWorkflow(4, 0.4))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    server.setSilent(true)
    server.setHistoryWithoutStatus(true)
    await expect(handle.result).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' })
    expect(handle.task.value?.state).toBe('failed')
  })

  it('settles a task whose locked server turns into a black hole, even where the adapter ignores timeouts (happy-dom\'s fetch)', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url], requestTimeout: 300, maxOutage: 1000, reconcile: { interval: 100, lostGrace: 60_000 } })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    server.setSilent(true)
    server.setBlackHole(true)
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_LOST', reason: 'server-unreachable' })
    expect(store.log.some(e => e.kind === 'reconcile' && e.code === 'SERVER_UNREACHABLE')).toBe(true)
  })

  it('rejects result with CLIENT_DISPOSED when the app unmounts during an upload', async () => {
    const server = await sim()
    const mounted = mountComfy({ servers: [server.url] })
    server.delayResponses(800, '/upload')
    const workflow = { 1: { class_type: 'LoadImage', inputs: { image: 'x.png' } }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'up' } } }
    const handle = await mounted.store.submit(workflow, { images: { 1: pngBlob().blob } })
    await waitFor(() => server.requests.some(r => r.path === '/upload/image'), 'the upload to start')
    mounted.unmount()
    await expect(handle.result).rejects.toMatchObject({ code: 'CLIENT_DISPOSED', name: 'ClientDisposedError' })
  })

  it('rejects submit() with CLIENT_DISPOSED, not INVALID_OPTIONS, when the store is disposed mid-health-check', async () => {
    const server = await sim()
    const mounted = mountComfy({ servers: [server.url] })
    server.delayResponses(500, '/prompt')
    const submitting = mounted.store.submit(emptyImageWorkflow())
    await waitFor(() => server.requests.some(r => r.path === '/prompt' && r.method === 'GET'), 'the health check')
    mounted.unmount()
    await expect(submitting).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
  })
})

describe('every submit settles on disposal', () => {
  it('rejects submit() with CLIENT_DISPOSED when the store is disposed while a black-holed server is health-checked', async () => {
    const server = await sim()
    server.setBlackHole(true)
    const mounted = mountComfy({ servers: [server.url], healthTimeout: 120_000 })
    const submitting = mounted.store.submit(emptyImageWorkflow())
    await sleep(100)
    mounted.unmount()
    await expect(submitting).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
  })

  it('rejects submit() with CLIENT_DISPOSED when the store is disposed while it restores a reload', async () => {
    const server = await sim()
    const data = new Map<string, string>([['d', JSON.stringify({ v: 2, clientId: 'abcdef0123456789', locks: [{ server: server.url, clientId: 'abcdef0123456789', since: 1, reason: 'task-submitted' }], tasks: [{ promptId: '00000000-0000-4000-8000-000000000001', server: server.url, state: 'queued', createdAt: 1, number: 1, cancelRequested: false, unconfirmed: false }] })]])
    const storage = { get length() { return data.size }, clear: () => data.clear(), getItem: (k: string) => data.get(k) ?? null, key: (i: number) => [...data.keys()][i] ?? null, removeItem: (k: string) => { data.delete(k) }, setItem: (k: string, v: string) => { data.set(k, v) } }
    const mounted = mountComfy({ servers: [server.url], persist: { storage, key: 'd' } })
    expect(mounted.store.ready).toBe(false)
    const submitting = mounted.store.submit(emptyImageWorkflow())
    mounted.unmount()
    await expect(submitting).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
  })

  it('rejects submit(template) with CLIENT_DISPOSED when the store is disposed while it restores a reload', async () => {
    // A template is filled by code loaded on its first submit: the submit still waits for the restore from the call on.
    const server = await sim()
    const data = new Map<string, string>([['d', JSON.stringify({ v: 2, clientId: 'abcdef0123456789', locks: [{ server: server.url, clientId: 'abcdef0123456789', since: 1, reason: 'task-submitted' }], tasks: [{ promptId: '00000000-0000-4000-8000-000000000001', server: server.url, state: 'queued', createdAt: 1, number: 1, cancelRequested: false, unconfirmed: false }] })]])
    const storage = { get length() { return data.size }, clear: () => data.clear(), getItem: (k: string) => data.get(k) ?? null, key: (i: number) => [...data.keys()][i] ?? null, removeItem: (k: string) => { data.delete(k) }, setItem: (k: string, v: string) => { data.set(k, v) } }
    const mounted = mountComfy({ servers: [server.url], persist: { storage, key: 'd' } })
    expect(mounted.store.ready).toBe(false)
    const submitting = mounted.store.submit(defineWorkflow(emptyImageWorkflow(), { params: { width: '1.width' } }), { width: 16 })
    mounted.unmount()
    await expect(submitting).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
  })
})

describe('lost is known early', () => {
  it('ends a confirmed task lost (server-restarted) as soon as the restarted server has it on neither /queue nor /history', async () => {
    const server = await sim()
    // A grace period far longer than the test: only the restart rule can end the task in time.
    const { store } = mountComfy({ servers: [server.url], reconcile: { interval: 60_000, lostGrace: 600_000 } })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    await server.restart()
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_LOST', reason: 'server-restarted' })
    // Asked in that order: the queue first (0.33's jobs list), then /history.
    const after = server.requests.filter(r => r.kind === 'http' && r.method === 'GET')
    const queueAt = after.findIndex(r => r.path === '/api/jobs')
    const historyAt = after.findIndex(r => r.path === `/history/${handle.promptId}`)
    expect(queueAt).toBeGreaterThanOrEqual(0)
    expect(historyAt).toBeGreaterThan(queueAt)
  })
})

describe('sockets', () => {
  it('reopens a socket lost during releaseDelay for the next task, which then follows its frames', async () => {
    const server = await sim()
    // Polls and socket waits longer than the test: the second task can complete only by its socket's frames.
    const { store } = mountComfy({ servers: [server.url], releaseDelay: 30_000, socketOpenTimeout: 60_000, reconcile: { interval: 60_000, lostGrace: 60_000 } })
    await (await store.submit(emptyImageWorkflow(0x0A0A0A))).result
    server.dropSockets()
    await waitFor(() => store.socket.status === 'CLOSED', 'the socket to close')
    const second = await store.submit(slowWorkflow(2, 0.2))
    await second.result
    expect(store.socket.status).toBe('OPEN')
    expect(server.requests.filter(r => r.kind === 'ws-open')).toHaveLength(2)
  })

  it('runs tasks over HTTP when the socket upgrade is refused (401) but HTTP answers, and says why', async () => {
    const server = await sim()
    server.refuseUpgrade(401)
    const { store } = mountComfy({ servers: [server.url], maxOutage: 1500, reconcile: { interval: 100, lostGrace: 60_000 } })
    const handle = await store.submit(emptyImageWorkflow(0x0B0B0B))
    const result = await handle.result
    expect(result.images).toHaveLength(1)
    expect(server.requests.filter(r => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1)
    expect(store.log.some(e => e.code === 'TASK_LOST')).toBe(false)
    expect(store.socketUnavailable[server.url]?.reason).toMatch(/upgrade/)
    // Longer than maxOutage: a second task still runs, nothing is marked lost.
    await sleep(1600)
    await (await store.submit(emptyImageWorkflow(0x0C0C0C))).result
    expect(store.log.some(e => e.code === 'TASK_LOST')).toBe(false)
  })
})
