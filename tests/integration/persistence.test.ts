import { afterEach, describe, expect, it } from 'vitest'
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
    const { sims, urls } = await startSimulators(3, { speed: 1 })
    closeSims = async () => { for (const s of sims) await s.close() }
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
    const { sims, urls } = await startSimulators(1, { speed: 1 })
    closeSims = async () => { for (const s of sims) await s.close() }
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
