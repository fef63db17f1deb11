import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { useComfyHttp } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSims?.()
  closeSims = undefined
})

async function servers(count: number) {
  const started = await startSimulators(count, { speed: 1 })
  closeSims = started.close
  return started
}

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
    const { sims, urls } = await servers(3)
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
    const { urls } = await servers(1)
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
    const { urls } = await servers(2)
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
    const { sims, urls } = await servers(3)
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
    const { sims, urls } = await servers(2)
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
