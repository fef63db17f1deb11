import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError, useComfyHttp } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, invertWorkflow, pngBlob, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSims?.()
  closeSims = undefined
})

async function servers(count = 3, speed = 20) {
  const started = await startSimulators(count, { speed })
  closeSims = started.close
  return started
}

/** Requests a simulator got after `seq`, other than the health checks every server gets before a lock is chosen. */
/** Requests other than the placement probes every candidate gets before a lock: health (`GET /prompt`) and capability (`GET /object_info/{class}`). */
function taskTraffic(sim: ComfySimulator, sinceSeq = 0) {
  return sim.requests.filter(r => r.seq > sinceSeq && !(r.kind === 'http' && (r.method === 'GET' || r.method === 'OPTIONS') && (r.path === '/prompt' || r.path.startsWith('/object_info'))))
}

describe('one task, one server', () => {
  it('sends the upload, the prompt, the socket, /history and /view of a task to one server only', async () => {
    const { sims, urls } = await servers(3)
    const { store } = mountComfy({ servers: urls })
    const { blob } = pngBlob()
    const handle = await store.submit(invertWorkflow(), { images: { 1: blob } })
    const result = await handle.result
    const owner = sims.find(s => s.url === result.server)!
    await store.reconcileNow() // one more /history of the task, after the end
    const view = await fetch(result.imageUrls[0]!)
    expect(view.status).toBe(200)

    const ownerTraffic = taskTraffic(owner)
    expect(ownerTraffic.some(r => r.path === '/upload/image')).toBe(true)
    expect(ownerTraffic.some(r => r.method === 'POST' && r.path === '/prompt' && r.promptIds.includes(handle.promptId))).toBe(true)
    expect(ownerTraffic.some(r => r.kind === 'ws-open' && r.clientId === store.clientId)).toBe(true)
    for (const other of sims.filter(s => s !== owner)) {
      expect(taskTraffic(other)).toEqual([])
      expect(other.requestsFor(handle.promptId)).toEqual([])
    }
  })

  it('keeps later tasks on the locked server while earlier ones are pending, even if another server is idle', async () => {
    const { sims, urls } = await servers(3)
    const { store } = mountComfy({ servers: urls })
    const first = await store.submit(slowWorkflow(6, 1.2))
    const more = await Promise.all([store.submit(emptyImageWorkflow(1)), store.submit(emptyImageWorkflow(2))])
    const results = await Promise.all([first.result, ...more.map(h => h.result)])
    expect(new Set(results.map(r => r.server)).size).toBe(1)
    const owner = sims.find(s => s.url === results[0]!.server)!
    for (const other of sims.filter(s => s !== owner)) expect(taskTraffic(other)).toEqual([])
  })

  it('does not split concurrent first submits across servers', async () => {
    const { urls } = await servers(3)
    const { store } = mountComfy({ servers: urls })
    const handles = await Promise.all([1, 2, 3, 4].map(i => store.submit(emptyImageWorkflow(i))))
    const results = await Promise.all(handles.map(h => h.result))
    expect(new Set(results.map(r => r.server)).size).toBe(1)
  })
})

describe('the interceptor', () => {
  it('rejects a request to another server while locked, before it is sent, naming both servers', async () => {
    const { sims, urls } = await servers(2)
    const { app, store } = mountComfy({ servers: urls })
    const handle = await store.submit(slowWorkflow(6, 1.2))
    await waitFor(() => store.lock, 'the lock')
    const locked = store.lock!.server
    const other = sims.find(s => s.url !== locked)!
    const before = other.requests.length
    const http = app.runWithContext(() => useComfyHttp())
    const error = await http.get(`${other.url}/queue`).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'SERVER_MISMATCH')).toBe(true)
    expect(error).toMatchObject({ lockedServer: locked, requestedServer: other.url })
    expect((error as Error).message).toContain('GET')
    expect(other.requests.length).toBe(before)
    expect(store.log.some(e => e.kind === 'refuse' && e.code === 'SERVER_MISMATCH')).toBe(true)
    // relative URLs go to the locked server
    const queue = await http.get('/queue')
    expect(queue.status).toBe(200)
    expect(sims.find(s => s.url === locked)!.requests.at(-1)?.path).toBe('/queue')
    await handle.result
  })

  it('sends a server\'s headers and token to that server only', async () => {
    const { sims, urls } = await servers(2)
    const { store } = mountComfy({ servers: [{ url: urls[0]!, token: 'secret-a', headers: { 'X-Extra': 'a' } }, { url: urls[1]!, token: 'secret-b' }] })
    await (await store.submit(emptyImageWorkflow())).result
    const expected = ['Bearer secret-a', 'Bearer secret-b']
    // CORS preflights carry no credentials by design; every real request carries its own server's, and only those.
    const real = sims.map(s => s.requests.filter(r => r.kind === 'http' && r.method !== 'OPTIONS'))
    expect(real[0]!.length + real[1]!.length).toBeGreaterThanOrEqual(3)
    real.forEach((requests, i) => {
      for (const r of requests) expect(r.headers?.authorization).toBe(expected[i])
    })
    expect(real[0]!.every(r => r.headers?.['x-extra'] === 'a')).toBe(true)
    expect(real[1]!.some(r => r.headers?.['x-extra'] !== undefined)).toBe(false)
  })
})
