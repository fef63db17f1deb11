// createComfyClient in plain Node (environment 'node': no DOM, no Vue, no Pinia), with the `ws` package's WebSocket,
// against simulators over loopback: the lock and affinity rules the store is tested on hold without any framework.
import type { ComfyWorkflow } from 'comfy-tether/client'
import { describe, expect, it, vi } from 'vitest'
import { isComfyTetherError } from 'comfy-tether/client'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

function upscaleWorkflow(): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 4, height: 4, batch_size: 1, color: 0 } },
    2: { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x-UltraSharp.pth' } },
    3: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['2', 0], image: ['1', 0] } },
    4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'up' } },
  }
}

describe('without a DOM', () => {
  it('runs where there is no window, document or global WebSocket of the browser', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined')
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined')
  })

  it('refuses to be created with no WebSocket to open sockets with, saying what to pass', async () => {
    const { urls } = await servers(1)
    vi.stubGlobal('WebSocket', undefined) // Node 20 has none; Node 22 has one
    try {
      expect(() => nodeClient({ servers: urls, WebSocket: undefined })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('import WebSocket from \'ws\'') }))
    }
    finally {
      vi.unstubAllGlobals()
    }
  })
})

describe('session affinity', () => {
  it('sends every task and its socket to the one locked server, then releases the lock', async () => {
    const { sims, urls } = await servers(3)
    const client = nodeClient({ servers: urls })
    const handles = await Promise.all([client.submit(slowWorkflowWithoutPreviews(4, 0.6)), client.submit(emptyImageWorkflow(1)), client.submit(emptyImageWorkflow(2))])
    const locked = client.lock!.server
    expect(handles.map(h => h.task?.server)).toEqual([locked, locked, locked])
    const results = await Promise.all(handles.map(h => h.result))
    expect(results.map(r => r.server)).toEqual([locked, locked, locked])
    expect(results[0]!.imageUrls[0]).toMatch(new RegExp(`^${locked}/view\\?`))
    const owner = sims.find(s => s.url === locked)!
    expect(owner.requests.filter(r => r.kind === 'ws-open').map(r => r.clientId)).toEqual([client.clientId])
    for (const other of sims.filter(s => s !== owner))
      expect(other.requests.filter(r => r.kind === 'ws-open' || (r.method === 'POST' && r.path === '/prompt'))).toEqual([])
    await waitFor(() => client.lock === null, 'the release')
    expect(client.socket.status).toBe('CLOSED')
  })

  it('refuses a request of the app to another server while locked (SERVER_MISMATCH), sending nothing there', async () => {
    const { sims, urls } = await servers(2)
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(slowWorkflowWithoutPreviews(4, 0.8))
    const other = sims.find(s => s.url !== handle.task!.server)!
    const before = other.requests.length
    const error = await client.http.get(`${other.url}/queue`).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'SERVER_MISMATCH')).toBe(true)
    expect(error).toMatchObject({ lockedServer: handle.task!.server, requestedServer: other.url })
    expect(other.requests.length).toBe(before)
    expect(client.log.some(e => e.kind === 'refuse' && e.code === 'SERVER_MISMATCH')).toBe(true)
    expect(client.validateServerConsistency('check')).toMatchObject({ consistent: true, server: handle.task!.server })
    await handle.result
  })
})

describe('task affinity', () => {
  it('tethers each task to its own server, one socket per server, and routes a task\'s calls there', async () => {
    const { sims, urls } = await servers(2)
    const client = nodeClient({ servers: urls, affinity: 'task', maxTasksPerServer: 1 })
    const [a, b] = await Promise.all([client.submit(slowWorkflowWithoutPreviews(4, 0.8)), client.submit(slowWorkflowWithoutPreviews(4, 0.8))])
    expect(new Set([a!.task!.server, b!.task!.server])).toEqual(new Set(urls))
    expect(client.locks.map(l => l.server).sort()).toEqual([...urls].sort())
    const serverB = b!.task!.server
    await expect(client.http.get(`${serverB}/history/${a!.promptId}`, { comfy: { promptId: a!.promptId } })).rejects.toMatchObject({ code: 'SERVER_MISMATCH' })
    const results = await Promise.all([a!.result, b!.result])
    expect(results.map(r => r.server)).toEqual([a!.task!.server, serverB])
    for (const sim of sims)
      expect(sim.requests.filter(r => r.kind === 'ws-open').map(r => r.clientId)).toEqual([client.clientId])
  })

  it('gives a freed slot to a waiting task that fits there, though one waiting longer fits only elsewhere', async () => {
    const { sims: [a, b], urls } = await servers(2)
    a!.addModel('upscale_models', '4x-UltraSharp.pth')
    const client = nodeClient({ servers: urls, affinity: 'task', maxTasksPerServer: 1, strategy: cs => (cs.find(c => c.url === a!.url && c.healthy) ?? cs.find(c => c.healthy))?.url })
    const onA = await client.submit(slowWorkflowWithoutPreviews(60, 60)) // holds a's slot until cancelled
    const onB = await client.submit(slowWorkflowWithoutPreviews(60, 60))
    onA.result.catch(() => {})
    onB.result.catch(() => {})
    expect([onA.task?.server, onB.task?.server]).toEqual([a!.url, b!.url])
    const upscale = client.submit(upscaleWorkflow()) // only a has the model: it waits for a's slot
    await waitFor(() => [a!, b!].every(s => s.requests.some(r => r.path === '/object_info/UpscaleModelLoader')), 'the upscale workflow to be checked')
    await sleep(50) // only to put it first in line; nothing is asserted on time
    const plain = client.submit(emptyImageWorkflow(1)) // fits both: waits behind it
    await client.cancel(onB.promptId) // b's slot frees, and the upscale workflow cannot use it
    expect((await (await plain).result).server).toBe(b!.url)
    expect(client.tasks.get(onA.promptId)?.state).toMatch(/^(queued|running)$/) // a's slot never freed
    await client.cancel(onA.promptId)
    expect((await (await upscale).result).server).toBe(a!.url)
  })
})

describe('subscribe', () => {
  it('tells every change of a task until unsubscribed, and nothing after dispose', async () => {
    const { urls } = await servers(1)
    const client = nodeClient({ servers: urls })
    const seen: string[] = []
    const states: string[] = []
    const unsubscribe = client.subscribe((event) => {
      seen.push(event.type)
      if ('task' in event && states.at(-1) !== event.task.state)
        states.push(event.task.state)
    })
    await (await client.submit(emptyImageWorkflow())).result
    // (queued may be skipped: the simulator can announce the start before it answers POST /prompt)
    expect(states[0]).toBe('preparing')
    expect(states).toContain('running')
    expect(states.at(-1)).toBe('succeeded')
    expect(seen).toEqual(expect.arrayContaining(['added', 'updated', 'locks', 'servers', 'log']))
    unsubscribe()
    const count = seen.length
    await (await client.submit(emptyImageWorkflow(9))).result
    expect(seen).toHaveLength(count)
    const late: string[] = []
    client.subscribe(event => late.push(event.type))
    client.dispose()
    expect(client.disposed).toBe(true)
    await expect(client.submit(emptyImageWorkflow(3))).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    expect(late).toEqual([])
  })
})
