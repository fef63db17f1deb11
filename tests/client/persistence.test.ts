// A backend worker keeps its lock and pending tasks in its own storage (any getItem/setItem object): a new client on
// the same storage (the worker restarted) takes the tasks back on the same server and sees them end. The storage may
// be asynchronous (a Redis, a file, a database): `getItem`/`setItem` may return promises; writes never race (one at a
// time, the last state wins), and dispose lets the write in flight settle and writes the last state, then nothing
// more. (The store's reload in a browser: tests/integration/persistence.test.ts.)
import type { ComfyStorage } from 'comfy-tether/client'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveComfyOptions } from 'comfy-tether/client'
import { disposeAll, nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'

const pool = simulatorPool()
afterEach(() => disposeAll())

/** A synchronous storage: a Map. */
function mapStorage(): ComfyStorage & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: key => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value) }
}

interface AsyncStorage extends ComfyStorage {
  data: Map<string, string>
  /** Every value written, in the order the writes finished. */
  written: string[]
  /** The most writes that were in flight at once. */
  maxInFlight: number
  inFlight: number
  /** Holds every write until `open()` (and every write after it, until `hold()` again is not needed). */
  gate: { held: boolean, open: () => void }
}

/** A Map behind promises that settle on a later turn, as a network store's would. */
function asyncStorage(latencyMs = 5): AsyncStorage {
  const data = new Map<string, string>()
  const waiting: (() => void)[] = []
  const storage: AsyncStorage = {
    data,
    written: [],
    maxInFlight: 0,
    inFlight: 0,
    gate: { held: false, open: () => {
      storage.gate.held = false
      for (const go of waiting.splice(0)) go()
    } },
    getItem: key => new Promise(resolve => setTimeout(() => resolve(data.get(key) ?? null), latencyMs)),
    setItem: async (key, value) => {
      storage.inFlight++
      storage.maxInFlight = Math.max(storage.maxInFlight, storage.inFlight)
      if (storage.gate.held)
        await new Promise<void>(resolve => waiting.push(resolve))
      await sleep(latencyMs)
      data.set(key, value)
      storage.written.push(value)
      storage.inFlight--
    },
  }
  return storage
}

const snapshotOf = (storage: AsyncStorage, key: string) => JSON.parse(storage.data.get(key) ?? 'null') as { clientId: string, tasks: { promptId: string, state: string }[] } | null

describe('persistence in Node', () => {
  it('is off by default (there is no sessionStorage here)', () => {
    expect(resolveComfyOptions({ servers: ['http://127.0.0.1:8188'] }).persist).toBe(false)
  })

  it('restores the lock and a pending task from the app\'s own storage after a restart, on the same server', async () => {
    const started = await pool.servers(2)
    const storage = mapStorage()
    const first = nodeClient({ servers: started.urls, persist: { storage, key: 'worker-1' } })
    const handle = await first.submit(slowWorkflowWithoutPreviews(6, 1.5))
    await waitFor(() => handle.task?.state === 'running', 'running')
    const server = handle.task!.server
    expect(JSON.parse(storage.data.get('worker-1')!)).toMatchObject({ clientId: first.clientId, locks: [{ server }], tasks: [{ promptId: handle.promptId, state: 'running' }] })
    first.dispose() // the worker goes away mid-task

    const second = nodeClient({ servers: started.urls, persist: { storage, key: 'worker-1' } })
    expect(second.clientId).toBe(first.clientId)
    expect(second.lock?.server).toBe(server)
    await waitFor(() => second.tasks.get(handle.promptId)?.state === 'succeeded', 'the restored task to end', 15_000)
    const other = started.sims.find(s => s.url !== server)!
    expect(other.requests.filter(r => r.kind === 'ws-open' || r.method === 'POST')).toEqual([])
  })
})

describe('asynchronous persist.storage', () => {
  it('restores the pending task from an async storage after a restart, on the same server, before any submit runs', async () => {
    const { urls, sims } = await pool.servers(2)
    const storage = asyncStorage()
    const first = nodeClient({ servers: urls, persist: { storage, key: 'worker-1' } })
    const handle = await first.submit(slowWorkflowWithoutPreviews(6, 1.5))
    await waitFor(() => handle.task?.state === 'running', 'running')
    const server = handle.task!.server
    await waitFor(() => snapshotOf(storage, 'worker-1')?.tasks.some(t => t.promptId === handle.promptId && t.state === 'running'), 'the running task to be saved')
    expect(snapshotOf(storage, 'worker-1')?.clientId).toBe(first.clientId)
    first.dispose() // the worker goes away mid-task

    const second = nodeClient({ servers: urls, persist: { storage, key: 'worker-1' } })
    const next = second.submit(emptyImageWorkflow()) // made before the storage answered: it waits for the restore
    await waitFor(() => second.ready, 'the restore to finish')
    expect(second.clientId).toBe(first.clientId)
    expect(second.tasks.get(handle.promptId)?.server).toBe(server)
    await waitFor(() => second.tasks.get(handle.promptId)?.state === 'succeeded', 'the restored task to end', 15_000)
    const later = await next
    await later.result
    expect(sims.flatMap(s => s.requests).filter(r => r.method === 'POST' && r.path.endsWith('/prompt')).map(r => r.clientId)).toEqual([first.clientId, first.clientId])
    // The restored task was never sent again; its server alone was asked about it.
    const other = sims.find(s => s.url !== server)!
    expect(other.requests.filter(r => r.promptIds.includes(handle.promptId))).toEqual([])
    // One write at a time, and the last one holds the last state: nothing pending.
    await waitFor(() => storage.inFlight === 0 && snapshotOf(storage, 'worker-1')?.tasks.length === 0, 'the final state to be saved')
    expect(storage.maxInFlight).toBe(1)
  })

  it('on dispose, lets the write in flight settle, writes the last state, and then writes nothing more', async () => {
    const { urls } = await pool.servers(1)
    const storage = asyncStorage()
    storage.gate.held = true // the first write (the empty state at ready) hangs until the gate opens
    const client = nodeClient({ servers: urls, persist: { storage, key: 'k' } })
    await waitFor(() => storage.inFlight === 1, 'the first write to start')
    const handle = await client.submit(slowWorkflowWithoutPreviews(4, 1))
    await waitFor(() => handle.task?.state === 'running', 'running')
    expect(storage.inFlight).toBe(1) // the changes since wait behind the write in flight
    client.dispose()
    storage.gate.open()
    await waitFor(() => storage.written.length === 2 && storage.inFlight === 0, 'the flush')
    expect(storage.maxInFlight).toBe(1)
    const last = JSON.parse(storage.written[1]!) as { tasks: { promptId: string }[] }
    expect(last.tasks.map(t => t.promptId)).toEqual([handle.promptId]) // the state at dispose: the task is pending
    await sleep(100)
    expect(storage.written).toHaveLength(2)
  })

  it('starts fresh when the async storage fails to read', async () => {
    const { urls } = await pool.servers(1)
    const storage: ComfyStorage = { getItem: async () => Promise.reject(new Error('store is down')), setItem: async () => {} }
    const client = nodeClient({ servers: urls, persist: { storage, key: 'k' } })
    await waitFor(() => client.ready, 'ready')
    await (await client.submit(emptyImageWorkflow())).result
  })
})
