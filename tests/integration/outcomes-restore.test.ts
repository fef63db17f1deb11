// Issue #12: what a reload restores, how fast it reads true, and details real ComfyUI showed.
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { MAX_RESTORED_TASKS } from '../../src/client/persistence'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { failingWorkflow, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const sims: ComfySimulator[] = []
afterEach(async () => {
  unmountAll()
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function sim(): Promise<ComfySimulator> {
  const created = await createComfySimulator()
  sims.push(created)
  return created
}

function memoryStorage(): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>()
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

describe('from real ComfyUI', () => {
  it('keeps the trailing newline of exceptionMessage, as ComfyUI sends it', async () => {
    const server = await sim()
    const { store } = mountComfy({ servers: [server.url] })
    const error = await (await store.submit(failingWorkflow('out of cheese'))).result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'EXECUTION_FAILED', exceptionMessage: 'out of cheese\n' })
  })
})
