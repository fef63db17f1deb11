// What survives a reload (persist, sessionStorage by default): the lock, the clientId and the pending tasks are
// restored before any new work, read true from the moment they are restored, and a duplicated tab gets its own
// clientId. (A Node client's own storage, synchronous or not: tests/client/persistence.test.ts.)
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_RESTORED_TASKS } from '../../src/client/persistence'
import { createComfySimulator, startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { waitFor } from '../helpers/wait'
import { slowWorkflow } from '../helpers/workflows'

/** Every simulator a test started, closed after it. */
const simulators: ComfySimulator[] = []
afterEach(async () => {
  unmountAll()
  await Promise.all(simulators.splice(0).map(s => s.close()))
})

async function sim(): Promise<ComfySimulator> {
  const created = await createComfySimulator()
  simulators.push(created)
  return created
}

async function servers(count: number): ReturnType<typeof startSimulators> {
  const started = await startSimulators(count, { speed: 1 })
  simulators.push(...started.sims)
  return started
}

/** A sessionStorage of our own, so one test can play two page loads (or two tabs) over it. */
function memoryStorage(initial?: Map<string, string>): Storage & { data: Map<string, string> } {
  const data = new Map(initial)
  return {
    data,
    get length() { return data.size },
    clear: () => data.clear(),
    getItem: key => data.get(key) ?? null,
    key: index => [...data.keys()][index] ?? null,
    removeItem: (key) => { data.delete(key) },
    setItem: (key, value) => { data.set(key, String(value)) },
  }
}

describe('reload', () => {
  it('restores the lock, the clientId and pending tasks after a reload, and reconcile finds the result', async () => {
    const { sims, urls } = await servers(3)
    const storage = memoryStorage()
    const page1 = mountComfy({ servers: urls, persist: { storage, key: 'ct' } })
    const handle = await page1.store.submit(slowWorkflow(5, 1))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    const { server } = page1.store.lock!
    const clientId = page1.store.clientId
    page1.unmount() // the page goes away mid-task

    const page2 = mountComfy({ servers: urls, persist: { storage, key: 'ct' } })
    expect(page2.store.lock?.server).toBe(server)
    expect(page2.store.lock?.reason).toBe('restored-after-reload')
    expect(page2.store.clientId).toBe(clientId)
    await waitFor(() => page2.store.tasks.get(handle.promptId)?.state === 'succeeded', 'the restored task to succeed')
    expect(page2.store.tasks.get(handle.promptId)!.images).toHaveLength(1)
    const owner = sims.find(s => s.url === server)!
    expect(owner.requests.filter(r => r.kind === 'ws-open').every(r => r.clientId === clientId)).toBe(true)
    for (const other of sims.filter(s => s !== owner)) expect(other.requestsFor(handle.promptId)).toEqual([])
    await waitFor(() => page2.store.lock === null, 'the release after the restored task ended')
  })

  it('gives a duplicated tab its own clientId and leaves the original tab\'s tasks to it', async () => {
    const { urls } = await servers(1)
    const storage = memoryStorage()
    const tab1 = mountComfy({ servers: urls, persist: { storage, key: 'dup' } })
    const handle = await tab1.store.submit(slowWorkflow(5, 1))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    const tab2 = mountComfy({ servers: urls, persist: { storage: memoryStorage(storage.data), key: 'dup' } })
    await waitFor(() => tab2.store.ready, 'the duplicate check')
    expect(tab2.store.clientId).not.toBe(tab1.store.clientId)
    expect(tab2.store.pendingCount).toBe(0)
    expect(tab2.store.log.some(e => e.kind === 'duplicate-tab')).toBe(true)
    await handle.result
  })
})

describe('restore after a reload', () => {
  it('reads running, not queued, for a task the server is running, from the moment it is restored', async () => {
    const server = await sim()
    const storage = memoryStorage()
    const slowPolls = { reconcile: { interval: 60_000, lostGrace: 60_000 } }
    const page1 = mountComfy({ servers: [server.url], persist: { storage, key: 'r' }, ...slowPolls })
    const handle = await page1.store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    page1.unmount()
    server.setSilent(true) // no frame can tell the new page
    const page2 = mountComfy({ servers: [server.url], persist: { storage, key: 'r' }, ...slowPolls })
    expect(page2.store.tasks.get(handle.promptId)?.state).toBe('running')
    await waitFor(() => page2.store.ready, 'ready')
    await waitFor(() => page2.store.log.some(e => e.kind === 'reconcile'), 'the first reconcile')
    expect(page2.store.tasks.get(handle.promptId)?.state).toBe('running')
  })

  it(`restores at most ${MAX_RESTORED_TASKS} pending tasks (the newest) and says how many it left out`, async () => {
    const server = await sim()
    const storage = memoryStorage()
    const total = MAX_RESTORED_TASKS + 100
    const tasks = Array.from({ length: total }, (_, i) => ({ promptId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, server: server.url, state: 'queued', createdAt: 1000 + i, number: i, cancelRequested: false, unconfirmed: false }))
    storage.setItem('big', JSON.stringify({ v: 2, clientId: 'abcdef0123456789', locks: [{ server: server.url, clientId: 'abcdef0123456789', since: 1, reason: 'task-submitted' }], tasks }))
    const { store } = mountComfy({ servers: [server.url], persist: { storage, key: 'big' }, reconcile: { interval: 60_000, lostGrace: 60_000 } })
    expect(store.tasks.size).toBe(MAX_RESTORED_TASKS)
    expect(store.tasks.has(tasks[total - 1]!.promptId)).toBe(true)
    expect(store.tasks.has(tasks[0]!.promptId)).toBe(false)
    expect(store.log.some(e => e.kind === 'restore' && e.message.includes(`${total - MAX_RESTORED_TASKS} older ones are no longer followed`))).toBe(true)
    // Two jobs lists for the whole pass (waiting, ended: 0.33's cheap /queue and /history); no history to read.
    await waitFor(() => store.log.some(e => e.kind === 'reconcile' && e.message.startsWith(`reconciled ${MAX_RESTORED_TASKS} task(s)`)), 'the first reconcile pass', 20_000)
    expect(server.requests.filter(r => r.method === 'GET' && r.path === '/api/jobs').map(r => r.query?.status)).toEqual(['in_progress,pending', 'completed,failed,cancelled'])
    expect(server.requests.filter(r => r.method === 'GET' && r.path.startsWith('/history'))).toEqual([])
  })
})
