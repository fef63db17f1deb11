// Issue #12: cancel at any moment, a dead locked server with a way out, placement that does not wait for a black hole.
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
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

async function postPrompt(url: string, prompt: object, clientId = 'someone-else'): Promise<string> {
  const res = await fetch(`${url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt, client_id: clientId }) })
  return (await res.json() as { prompt_id: string }).prompt_id
}

describe('cancel', () => {
  it('ends cancelled when cancel() comes while POST /prompt is in flight', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url] })
    // Another client's prompt runs, so ours waits in the queue: no frame of ours arrives before the answer.
    const theirs = await postPrompt(server.url, slowWorkflow(8, 3, 0x606060))
    await waitFor(() => server.state.running === theirs, 'the other prompt to run')
    server.delayResponses(400, '/prompt')
    const handle = await store.submit(slowWorkflow(2, 0.2))
    await waitFor(() => server.requests.some(r => r.method === 'POST' && r.path === '/prompt' && r.promptIds.includes(handle.promptId)), 'the POST to be sent')
    expect(handle.task.value?.state).toBe('preparing')
    await store.cancel(handle.promptId)
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_CANCELLED', how: 'dequeued' })
    expect(handle.task.value?.state).toBe('cancelled')
    expect(server.state.pending).not.toContain(handle.promptId)
    expect(server.state.running).toBe(theirs)
  })

  it('ends cancelled, never sent, when cancel() comes while the task waits for its locked server to come back', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url], maxOutage: 20_000, socketOpenTimeout: 300 })
    const holder = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => holder.task.value?.state === 'running', 'the holder to run')
    await server.goDown()
    await waitFor(() => store.unreachableSince !== null, 'the outage to be noticed')
    const late = await store.submit(emptyImageWorkflow(0x707070))
    await store.cancel(late.promptId)
    await server.comeUp()
    await expect(late.result).rejects.toMatchObject({ code: 'TASK_CANCELLED', how: 'not-sent' })
    await holder.result
    expect(server.requestsFor(late.promptId).filter(r => r.method === 'POST' && r.path === '/prompt')).toEqual([])
  })

  it('says a cancelled running task was interrupted, not removed from the queue', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url] })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.progress, 'progress')
    await store.cancel(handle.promptId)
    const error = await handle.result.catch((e: unknown) => e) as Error & { how: string }
    expect(error).toMatchObject({ code: 'TASK_CANCELLED', how: 'interrupted' })
    expect(error.message).toContain('interrupted')
    expect(error.message).not.toContain('removed from the queue')
  })

  it('on a server without targeted interrupt (0.3.44), does not interrupt another client\'s prompt when ours already finished', async () => {
    const server = await sim({ version: '0.3.44' })
    const { store } = mountComfy({ servers: [server.url], reconcile: { interval: 60_000, lostGrace: 60_000 } })
    const ours = await store.submit(slowWorkflow(2, 0.4, 0x202020))
    await waitFor(() => ours.task.value?.state === 'running', 'ours to run')
    server.setSilent(true) // we will not hear that ours finished
    const theirs = await postPrompt(server.url, slowWorkflow(8, 4, 0x303030))
    await waitFor(() => server.state.running === theirs, 'the other client\'s prompt to run')
    await store.cancel(ours.promptId)
    expect(server.requests.some(r => r.path === '/interrupt')).toBe(false)
    await waitFor(() => ours.task.value?.state === 'succeeded', 'ours to be found finished')
    expect(server.state.running).toBe(theirs)
  })
})

describe('a dead locked server', () => {
  it('refuses a new submit at once (LockedServerDownError) while another server is configured; abandon() ends its tasks and frees the app', async () => {
    const a = await sim()
    const b = await sim()
    const { store } = mountComfy({ servers: [a.url, b.url], maxOutage: 120_000, strategy: 'first-healthy' })
    const running = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => running.task.value?.state === 'running', 'running')
    expect(running.task.value?.server).toBe(a.url)
    await a.goDown()
    await waitFor(() => store.unreachableSince !== null, 'the outage to be noticed')
    // The store mirrors each server's own outage time.
    expect(store.servers.map(s => s.unreachableSince)).toEqual([store.unreachableSince, null])
    await expect(store.submit(emptyImageWorkflow())).rejects.toMatchObject({ code: 'LOCKED_SERVER_DOWN', lockedServer: a.url })
    store.abandon(a.url)
    await expect(running.result).rejects.toMatchObject({ code: 'TASK_LOST', reason: 'abandoned' })
    expect(store.lock).toBeNull()
    const next = await store.submit(emptyImageWorkflow(0x404040))
    expect(next.task.value?.server).toBe(b.url)
    await next.result
  })

  it('never describes a task abandoned before its POST /prompt as maybe on the server', async () => {
    const a = await sim()
    const { store } = mountComfy({ servers: [a.url] })
    a.delayResponses(1000, '/upload')
    const workflow = { 1: { class_type: 'LoadImage', inputs: { image: 'x.png' } }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'up' } } }
    const { pngBlob } = await import('../helpers/workflows')
    const handle = await store.submit(workflow, { images: { 1: pngBlob().blob } })
    await waitFor(() => a.requests.some(r => r.path === '/upload/image'), 'the upload')
    store.abandon()
    const error = await handle.result.catch((e: unknown) => e) as Error
    expect(error).toMatchObject({ code: 'TASK_LOST', reason: 'abandoned', sent: false })
    expect(error.message).not.toContain('may still be on that server')
    await sleep(1200)
    expect(a.requests.some(r => r.method === 'POST' && r.path === '/prompt')).toBe(false)
  })
})

describe('placement', () => {
  it('does not wait for a black-holed server: decides among those that answered', async () => {
    const hole = await sim()
    const good = await sim()
    hole.setBlackHole(true)
    // A health timeout far longer than the test: waiting for the black hole would time the test out.
    const { store } = mountComfy({ servers: [hole.url, good.url], healthTimeout: 120_000 })
    const handle = await store.submit(emptyImageWorkflow(0x505050))
    expect(handle.task.value?.server).toBe(good.url)
    await handle.result
    expect(store.servers.find(s => s.url === hole.url)?.health).toBe('unreachable')
  })
})

describe('from real ComfyUI', () => {
  it('exposes nodeId of a missing_node_type rejection (ComfyUI names it only in extra_info.node_id)', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url] })
    // validate: false, so the server's own rejection is what comes back (the client-side check would refuse it first)
    const error = await (await store.submit({ 7: { class_type: 'NoSuchNode', inputs: {} } }, { validate: false })).result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'PROMPT_REJECTED', errorType: 'missing_node_type', nodeId: '7', nodeErrors: {} })
  })
})
