// The node info a submit is checked with: read per class, only the classes the workflow uses, and read again whenever
// it may be stale (a restart, a model copied on, an explicit refresh), against simulators over loopback.
import type { ComfyWorkflow } from 'comfy-tether/client'
import type { ComfySimulator } from 'comfy-tether/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { isComfyTetherError } from 'comfy-tether/client'
import { createComfySimulator } from 'comfy-tether/testing'
import { UNWATCHED_TRUST_MS } from '../../src/client/node-info-cache'
import { disposeAll, nodeClient } from '../helpers/node-client'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const sims: ComfySimulator[] = []
afterEach(async () => {
  vi.useRealTimers()
  disposeAll()
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function sim(options: Parameters<typeof createComfySimulator>[0] = {}): Promise<ComfySimulator> {
  const started = await createComfySimulator({ speed: 8, ...options })
  sims.push(started)
  return started
}

const ALL_BUT_EMPTY_IMAGE = ['LoadImage', 'ImageInvert', 'ImageScale', 'SaveImage', 'PreviewImage', 'TestSlowProgress', 'TestFail', 'UpscaleModelLoader', 'ImageUpscaleWithModel']
const ALL = [...ALL_BUT_EMPTY_IMAGE, 'EmptyImage']

function upscaleWorkflow(): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 4, height: 4, batch_size: 1, color: 0 } },
    2: { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x-UltraSharp.pth' } },
    3: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['2', 0], image: ['1', 0] } },
    4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'up' } },
  }
}

/** After a restart the client's kept-alive connections are dead: its health check must see the server up again. */
async function backUp(client: ReturnType<typeof nodeClient>): Promise<void> {
  for (let i = 0; i < 5 && (await client.refreshServers()).some(s => s.health !== 'healthy'); i++);
}

const nodeInfoReads = (s: ComfySimulator): string[] => s.requests.filter(r => r.method === 'GET' && r.path.startsWith('/object_info')).map(r => r.path)
const posts = (s: ComfySimulator): number => s.requests.filter(r => r.method === 'POST' && r.path === '/prompt').length

describe('node info', () => {
  it('reads only the classes a workflow uses, never the whole /object_info', async () => {
    const s = await sim()
    const client = nodeClient({ servers: [s.url] })
    await (await client.submit(emptyImageWorkflow(1))).result
    expect(nodeInfoReads(s).sort()).toEqual(['/object_info/EmptyImage', '/object_info/SaveImage'])
    expect(Object.keys(await client.objectInfo(s.url))).toContain('TestSlowProgress') // the whole listing, on request
  })

  it('finds a node type that a restart installed while no lock was held', async () => {
    const s = await sim({ nodes: ALL_BUT_EMPTY_IMAGE })
    const client = nodeClient({ servers: [s.url] })
    const refused = await client.submit(emptyImageWorkflow(1)).catch((e: unknown) => e)
    expect(isComfyTetherError(refused, 'NO_CAPABLE_SERVER')).toBe(true)
    expect(client.locks).toEqual([])
    await s.restart({ nodes: ALL })
    await backUp(client)
    const result = await (await client.submit(emptyImageWorkflow(2))).result
    expect(result.server).toBe(s.url)
  })

  it('finds a model copied onto the locked server, with no restart', async () => {
    const s = await sim()
    const client = nodeClient({ servers: [s.url] })
    const holding = await client.submit(slowWorkflowWithoutPreviews(8, 2)) // keeps the lock and its socket open
    holding.result.catch(() => {})
    const refused = await client.submit(upscaleWorkflow()).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'NO_CAPABLE_SERVER', lockedServer: s.url })
    s.addModel('upscale_models', '4x-UltraSharp.pth')
    const result = await (await client.submit(upscaleWorkflow())).result
    expect(result.server).toBe(s.url)
    expect(client.lock?.server).toBe(s.url)
  })

  it('places no task on a server that restarted without a node type it had', async () => {
    const a = await sim({ label: 'a' })
    const b = await sim({ label: 'b' })
    const client = nodeClient({ servers: [a.url, b.url], affinity: 'task', strategy: candidates => (candidates.find(c => c.url === a.url && c.healthy) ?? candidates.find(c => c.healthy))?.url })
    expect((await (await client.submit(emptyImageWorkflow(1))).result).server).toBe(a.url)
    await waitFor(() => client.locks.length === 0, 'the lock on a to be released')
    await a.restart({ nodes: ALL_BUT_EMPTY_IMAGE })
    await backUp(client)
    const postsOnA = posts(a)
    const handles = await Promise.all([client.submit(emptyImageWorkflow(2)), client.submit(emptyImageWorkflow(3))])
    const results = await Promise.all(handles.map(h => h.result))
    expect(results.map(r => r.server)).toEqual([b.url, b.url])
    expect(posts(a)).toBe(postsOnA)
  })

  it('reads node info once for tasks sent one after another, though each ends its lock, until nothing watched the server for the trust window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] }) // the trust window counts on this clock, not on how loaded the machine is
    const s = await sim()
    const client = nodeClient({ servers: [s.url], affinity: 'task' })
    for (let i = 1; i <= 3; i++) {
      await (await client.submit(emptyImageWorkflow(i))).result
      await waitFor(() => client.locks.length === 0, 'the lock to be released')
    }
    expect(nodeInfoReads(s)).toHaveLength(2)
    vi.setSystemTime(Date.now() + UNWATCHED_TRUST_MS + 1) // no socket of ours saw the server since: it may have restarted
    await (await client.submit(emptyImageWorkflow(4))).result
    expect(nodeInfoReads(s).slice(2).sort()).toEqual(['/object_info/EmptyImage', '/object_info/SaveImage'])
  })

  it('does not take the answers of concurrent submits, arriving out of order, for a restart', async () => {
    vi.useFakeTimers({ toFake: ['Date'] }) // the trust window counts on this clock, not on how loaded the machine is
    const s = await sim()
    const client = nodeClient({ servers: [s.url] })
    // Two POST /prompt on two connections: the answer with number 0 reaches the client after the one with number 1.
    client.http.interceptors.response.use(async (response) => {
      if (response.config.method === 'post' && (response.data as { number?: unknown } | undefined)?.number === 0)
        await waitFor(() => client.taskList.some(t => t.number === 1), 'the answer with number 1 to be taken')
      return response
    })
    const handles = await Promise.all([client.submit(emptyImageWorkflow(1)), client.submit(emptyImageWorkflow(2))])
    await Promise.all(handles.map(h => h.result))
    expect(nodeInfoReads(s)).toHaveLength(2)
    await (await client.submit(emptyImageWorkflow(3))).result
    expect(nodeInfoReads(s)).toHaveLength(2)
  })

  it('reads a server again on refreshNodeInfo(), and refuses a server that is not configured', async () => {
    const s = await sim()
    const client = nodeClient({ servers: [s.url] })
    await (await client.submit(emptyImageWorkflow(1))).result
    const before = nodeInfoReads(s).length
    await client.refreshNodeInfo(s.url)
    expect(nodeInfoReads(s).slice(before).sort()).toEqual(['/object_info/EmptyImage', '/object_info/SaveImage'])
    await expect(client.refreshNodeInfo('http://127.0.0.1:1')).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' })
  })
})
