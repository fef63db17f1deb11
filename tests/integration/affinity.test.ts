// Affinity through the store: in session affinity every request and socket of the session goes to the one locked
// server, and the interceptor refuses the others before sending; in task affinity each task is tethered to its own
// server. (The same rules in plain Node, without a DOM: tests/client/affinity.test.ts.)
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError, useComfyHttp } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { waitFor } from '../helpers/wait'
import { emptyImageWorkflow, invertWorkflow, pngBlob, slowWorkflow } from '../helpers/workflows'

let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSims?.()
  closeSims = undefined
})

/** `count` simulators; the session tests run them at 20× speed, the task-affinity ones at 1×. */
async function servers(count = 3, speed = 20) {
  const started = await startSimulators(count, { speed })
  closeSims = started.close
  return started
}

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

/** Every prompt id a simulator was asked about must belong to a task tethered to it. */
function expectNoCrossServerRequests(sims: ComfySimulator[], taskServer: Map<string, string>): void {
  for (const sim of sims) {
    for (const request of sim.requests) {
      for (const id of request.promptIds) {
        if (taskServer.has(id))
          expect(taskServer.get(id), `${request.method} ${request.path} of ${id} reached ${sim.url}`).toBe(sim.url)
      }
    }
  }
}

describe('affinity: task', () => {
  it('spreads tasks over servers, each tethered to its own, with one socket per busy server', async () => {
    const { sims, urls } = await servers(3, 1)
    const { store } = mountComfy({ servers: urls, affinity: 'task', maxTasksPerServer: 2 })
    const handles = await Promise.all(Array.from({ length: 9 }, (_, i) => store.submit(slowWorkflow(3, 0.3, i))))
    const results = await Promise.all(handles.map(h => h.result))
    const owners = new Map(results.map(r => [r.promptId, r.server]))
    expect(new Set(owners.values()).size).toBe(3)
    expectNoCrossServerRequests(sims, owners)
    for (const sim of sims) {
      const opens = sim.requests.filter(r => r.kind === 'ws-open')
      expect(opens.length).toBeGreaterThan(0)
      expect(opens.every(r => r.clientId === store.clientId)).toBe(true)
    }
    await waitFor(() => store.locks.length === 0, 'every lock released')
    expect(store.lock).toBeNull()
  })

  it('never has more than maxTasksPerServer of its tasks on one server; the rest wait in the client', async () => {
    const { urls } = await servers(1, 1)
    const { store } = mountComfy({ servers: urls, affinity: 'task', maxTasksPerServer: 1 })
    let most = 0
    const submits = Array.from({ length: 3 }, () => store.submit(slowWorkflow(2, 0.2)).then((h) => {
      most = Math.max(most, store.pendingCount)
      return h.result
    }))
    await Promise.all(submits)
    expect(most).toBe(1)
  })

  it('releases each server\'s lock when its own last task ends, while others hold', async () => {
    const { urls } = await servers(2, 1)
    const { store } = mountComfy({ servers: urls, affinity: 'task', maxTasksPerServer: 1 })
    const short = await store.submit(slowWorkflow(1, 0.1))
    const long = await store.submit(slowWorkflow(8, 2.4))
    expect(short.task.value!.server).not.toBe(long.task.value!.server)
    await short.result
    await waitFor(() => store.locks.length === 1, 'the short task\'s server to be released')
    expect(store.locks[0]!.server).toBe(long.task.value!.server)
    expect(Object.keys(store.sockets)).toEqual([long.task.value!.server])
    await long.result
  })

  it('keeps every task on its server through a drop on one server and a restart of another', async () => {
    const { sims, urls } = await servers(3, 1)
    const { store } = mountComfy({ servers: urls, affinity: 'task', maxTasksPerServer: 1, reconcile: { interval: 100, lostGrace: 300 } })
    const handles = await Promise.all([0, 1, 2].map(i => store.submit(slowWorkflow(6, 1.5, i))))
    await waitFor(() => handles.every(h => h.task.value?.state === 'running'), 'all three running')
    const byServer = new Map(handles.map(h => [h.task.value!.server, h]))
    expect(byServer.size).toBe(3)
    const dropped = sims[0]!
    const restarted = sims[1]!
    dropped.dropSockets()
    await restarted.restart()
    const outcomes = await Promise.all(handles.map(h => h.result.then(() => 'succeeded', (e: { code: string }) => e.code)))
    const outcomeOf = (sim: ComfySimulator): string => outcomes[handles.indexOf(byServer.get(sim.url)!)]!
    expect(outcomeOf(dropped)).toBe('succeeded')
    expect(outcomeOf(restarted)).toBe('TASK_LOST')
    expect(outcomeOf(sims[2]!)).toBe('succeeded')
    expectNoCrossServerRequests(sims, new Map(handles.map(h => [h.promptId, h.task.value!.server])))
    // reconnects went only to the dropped server, with our clientId
    expect(dropped.requests.filter(r => r.kind === 'ws-open').length).toBeGreaterThanOrEqual(2)
    expect(sims[2]!.requests.filter(r => r.kind === 'ws-open')).toHaveLength(1)
  })

  it('checks a task\'s own calls against its server, and answers the debug helpers per task', async () => {
    const { sims, urls } = await servers(2, 1)
    const { app, store } = mountComfy({ servers: urls, affinity: 'task', maxTasksPerServer: 1 })
    const [a, b] = await Promise.all([store.submit(slowWorkflow(4, 1)), store.submit(slowWorkflow(4, 1))])
    const serverA = a!.task.value!.server
    const serverB = b!.task.value!.server
    expect(serverA).not.toBe(serverB)
    const http = app.runWithContext(() => useComfyHttp())
    const other = sims.find(s => s.url === serverB)!
    const before = other.requests.length
    await expect(http.get(`${serverB}/history/${a!.promptId}`, { comfy: { promptId: a!.promptId } })).rejects.toMatchObject({ code: 'SERVER_MISMATCH', lockedServer: serverA, requestedServer: serverB })
    expect(other.requests.length).toBe(before)
    expect(store.getApiBaseUrl(a!.promptId)).toBe(serverA)
    await waitFor(() => store.sockets[serverA]?.status === 'OPEN', 'the socket of A')
    expect(store.debugLock(a!.promptId)).toMatchObject({ affinity: 'task', socket: { status: 'OPEN' }, pending: [{ promptId: a!.promptId, server: serverA }] })
    expect(store.debugLock(a!.promptId).socket?.url).toContain(new URL(serverA).host)
    expect(store.validateServerConsistency('check', a!.promptId)).toMatchObject({ consistent: true, server: serverA })
    expect(store.checkUnlockCondition(serverA)).toMatchObject({ canUnlock: false, pending: [a!.promptId] })
    await Promise.all([a!.result, b!.result])
  })
})
