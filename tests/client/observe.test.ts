// Issue #22: client.observe(promptId, listener) follows one task: its snapshots as they change, `undefined` once it is
// dropped, a server's re-key followed; nothing of other tasks; the unsubscribe (and dispose) ends it.
import type { ComfyTask } from 'comfy-tether/client'
import { createComfySimulator } from 'comfy-tether/testing'
import { describe, expect, it } from 'vitest'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews as slowWorkflow } from '../helpers/workflows'

const pool = simulatorPool()

describe('client.observe', () => {
  it('tells each change of one task up to its end, and nothing of another task', async () => {
    const { urls } = await pool.servers(1)
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(slowWorkflow(3, 0.3))
    const seen: (ComfyTask | undefined)[] = []
    const off = client.observe(handle.promptId, task => void seen.push(task))
    await handle.result
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.at(-1)?.state).toBe('succeeded')
    expect(seen.at(-1)).toBe(client.tasks.get(handle.promptId))
    expect(seen.every(task => task?.promptId === handle.promptId)).toBe(true)

    const heard = seen.length
    await (await client.submit(emptyImageWorkflow())).result
    expect(seen).toHaveLength(heard)
    off()
  })

  it('stops at the unsubscribe, and is a no-op after dispose', async () => {
    const { urls } = await pool.servers(1)
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(slowWorkflow(3, 0.3))
    let calls = 0
    client.observe(handle.promptId, () => void calls++)()
    await handle.result
    expect(calls).toBe(0)

    client.dispose()
    const off = client.observe(handle.promptId, () => void calls++)
    expect(off).toBeTypeOf('function')
    off()
    expect(calls).toBe(0)
  })

  it('follows a task an old server re-keyed to its own prompt id', async () => {
    const sim = await createComfySimulator({ speed: 1, version: '0.3.44' })
    pool.onClose(() => sim.close())
    const client = nodeClient({ servers: [sim.url] })
    const handle = await client.submit(slowWorkflow(3, 0.3))
    const seen: (ComfyTask | undefined)[] = []
    client.observe(handle.promptId, task => void seen.push(task))
    const result = await handle.result
    expect(result.promptId).not.toBe(handle.promptId)
    expect(seen.at(-1)?.promptId).toBe(result.promptId)
    expect(seen.at(-1)?.state).toBe('succeeded')
    expect(seen).not.toContain(undefined) // the old id's removal during the re-key is no drop
  })

  it('tells `undefined` once an ended task is dropped (taskRetention)', async () => {
    const { urls } = await pool.servers(1)
    const client = nodeClient({ servers: urls, taskRetention: 1 })
    const first = await client.submit(emptyImageWorkflow(0x010101))
    await first.result
    const seen: (ComfyTask | undefined)[] = []
    client.observe(first.promptId, task => void seen.push(task))
    await (await client.submit(emptyImageWorkflow(0x020202))).result
    await Promise.resolve()
    expect(client.tasks.has(first.promptId)).toBe(false)
    expect(seen).toEqual([undefined])
  })
})
