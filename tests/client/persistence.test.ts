// A backend worker keeps its lock and pending tasks in its own storage (any getItem/setItem object, here a Map): a
// new client on the same storage (the worker restarted) takes the tasks back on the same server and sees them end.
import type { ComfyStorage } from 'comfy-tether/client'
import { afterEach, describe, expect, it } from 'vitest'
import { startSimulators } from 'comfy-tether/testing'
import { resolveComfyOptions } from 'comfy-tether/client'
import { disposeAll, nodeClient } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  disposeAll()
  await closeSims?.()
  closeSims = undefined
})

function mapStorage(): ComfyStorage & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: key => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value) }
}

describe('persistence in Node', () => {
  it('is off by default (there is no sessionStorage here)', () => {
    expect(resolveComfyOptions({ servers: ['http://127.0.0.1:8188'] }).persist).toBe(false)
  })

  it('restores the lock and a pending task from the app\'s own storage after a restart, on the same server', async () => {
    const started = await startSimulators(2, { speed: 1 })
    closeSims = started.close
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
