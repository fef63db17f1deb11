// A task outlives the process that sent it: the record written before POST /prompt (onBeforeSend) lets another client
// follow the prompt with resume() instead of sending it again, and send it under the same id only when the server
// provably never got it.
import type { ComfyTaskRecord } from 'comfy-tether/client'
import type { SimulatorRequest } from 'comfy-tether/testing'
import { describe, expect, it } from 'vitest'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { waitFor } from '../helpers/wait'

const pool = simulatorPool()
const posts = (requests: readonly SimulatorRequest[], promptId: string): number => requests.filter(r => r.method === 'POST' && /\/prompt$/.test(r.path) && r.promptIds.includes(promptId)).length

describe('onBeforeSend and resume()', () => {
  it('hands the record to onBeforeSend before POST /prompt, and sends nothing when it throws', async () => {
    const { urls, sims } = await pool.servers(1)
    const client = nodeClient({ servers: urls, affinity: 'task' })
    const seen: { record: ComfyTaskRecord, postsThen: number }[] = []
    const handle = await client.submit(emptyImageWorkflow(), {
      onBeforeSend: async (record) => {
        seen.push({ record, postsThen: sims[0]!.requests.filter(r => r.method === 'POST' && r.path.endsWith('/prompt')).length })
      },
    })
    await handle.result
    expect(seen).toEqual([{ record: { server: urls[0], promptId: handle.promptId, clientId: client.clientId }, postsThen: 0 }])
    expect(posts(sims[0]!.requests, handle.promptId)).toBe(1)

    const failing = await client.submit(emptyImageWorkflow(), { onBeforeSend: () => Promise.reject(new Error('redis is down')) })
    await expect(failing.result).rejects.toThrow('redis is down')
    expect(posts(sims[0]!.requests, failing.promptId)).toBe(0)
  })

  it('follows a prompt another client sent to the end, on its server, without sending it again', async () => {
    const { urls, sims } = await pool.servers(2)
    const sender = nodeClient({ servers: urls, affinity: 'task' })
    let record: ComfyTaskRecord | undefined
    const handle = await sender.submit(slowWorkflowWithoutPreviews(6, 1), { onBeforeSend: (r) => {
      record = r
    } })
    await waitFor(() => handle.task?.state === 'running', 'the task to run')
    sender.dispose() // the process that sent it dies

    const follower = nodeClient({ servers: urls, affinity: 'task' })
    const resumed = await follower.resume({ server: record!.server, promptId: record!.promptId, clientId: record!.clientId })
    expect(follower.locks).toMatchObject([{ server: record!.server, reason: 'resumed' }])
    const result = await resumed.result
    expect(result).toMatchObject({ server: record!.server, promptId: record!.promptId })
    expect(result.imageUrls).toHaveLength(1)
    const all = sims.flatMap(s => s.requests)
    expect(posts(all, record!.promptId)).toBe(1)
    const other = sims.find(s => s.url !== record!.server)!
    expect(other.requests.filter(r => r.promptIds.includes(record!.promptId))).toEqual([])
  })

  it('sees a resumed prompt\'s progress as it runs, through a socket of its clientId to its server only, closed when it ends', async () => {
    const { urls, sims } = await pool.servers(2)
    const sender = nodeClient({ servers: urls, affinity: 'task' })
    let record: ComfyTaskRecord | undefined
    const sent = slowWorkflowWithoutPreviews(10, 2)
    const handle = await sender.submit(sent, { onBeforeSend: (r) => {
      record = r
    } })
    await waitFor(() => handle.task?.state === 'running', 'the task to run')
    sender.dispose() // the process that sent it dies: its socket closes on the server
    const server = sims.find(s => s.url === record!.server)!
    await waitFor(() => server.requests.some(r => r.kind === 'ws-close' && r.clientId === record!.clientId), 'the sender\'s socket to close')

    // Polling alone would show no progress: frames of the prompt go only to sockets of the clientId it was sent with.
    const follower = nodeClient({ servers: urls, affinity: 'task', reconcile: { interval: 5000, lostGrace: 10_000 } })
    const resumed = await follower.resume({ server: record!.server, promptId: record!.promptId, clientId: record!.clientId, prompt: sent })
    const seen = await waitFor(() => {
      const task = resumed.task
      return task?.state === 'running' && task.progress && task.progress.value > 0 && task.progress.value < task.progress.max ? task.progress : undefined
    }, 'progress of the resumed prompt while it runs')
    expect(seen.max).toBe(10)
    // Given the prompt as sent, the whole workflow's progress is followed too (what a BullMQ job reports).
    const overall = await waitFor(() => {
      const progress = resumed.workflow?.progress
      return progress !== undefined && progress > 0 && progress < 1 ? progress : undefined
    }, 'the whole workflow\'s progress of the resumed prompt')
    expect(overall).toBeGreaterThan(0)
    await resumed.result
    const opens = sims.flatMap(s => s.requests).filter(r => r.kind === 'ws-open' && r.clientId === record!.clientId)
    expect(opens.map(r => r.server)).toEqual([record!.server, record!.server]) // the sender's, then the follower's
    await waitFor(() => server.requests.filter(r => r.kind === 'ws-close' && r.clientId === record!.clientId).length === 2, 'the follow socket to close once the task ended')
    expect(posts(sims.flatMap(s => s.requests), record!.promptId)).toBe(1)
  })

  it('closes a resumed prompt\'s socket on dispose', async () => {
    const { urls, sims } = await pool.servers(1)
    const sender = nodeClient({ servers: urls, affinity: 'task' })
    let record: ComfyTaskRecord | undefined
    const handle = await sender.submit(slowWorkflowWithoutPreviews(10, 3), { onBeforeSend: (r) => {
      record = r
    } })
    await waitFor(() => handle.task?.state === 'running', 'the task to run')
    sender.dispose()
    await waitFor(() => sims[0]!.requests.some(r => r.kind === 'ws-close' && r.clientId === record!.clientId), 'the sender\'s socket to close')
    const follower = nodeClient({ servers: urls, affinity: 'task' })
    const resumed = await follower.resume({ ...record! })
    await waitFor(() => sims[0]!.requests.filter(r => r.kind === 'ws-open' && r.clientId === record!.clientId).length === 2, 'the follow socket to open')
    follower.dispose()
    await expect(resumed.result).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    await waitFor(() => sims[0]!.requests.filter(r => r.kind === 'ws-close' && r.clientId === record!.clientId).length === 2, 'the follow socket to close on dispose')
  })

  it('reads an ended prompt\'s outputs from the history', async () => {
    const { urls, sims } = await pool.servers(1)
    const sender = nodeClient({ servers: urls, affinity: 'task' })
    const handle = await sender.submit(emptyImageWorkflow())
    const sent = await handle.result
    const follower = nodeClient({ servers: urls, affinity: 'task' })
    const again = await (await follower.resume({ server: urls[0]!, promptId: handle.promptId, workflow: emptyImageWorkflow() })).result
    expect(again.imageUrls).toEqual(sent.imageUrls)
    expect(posts(sims[0]!.requests, handle.promptId)).toBe(1)
  })

  it('sends a prompt that never reached the server once, under the same id', async () => {
    const { urls, sims } = await pool.servers(1)
    const client = nodeClient({ servers: urls, affinity: 'task' })
    const promptId = '0c5b2a59-2f0e-4f55-9d3e-7d7c1f1d2a01'
    const result = await (await client.resume({ server: urls[0]!, promptId, workflow: emptyImageWorkflow() })).result
    expect(result.promptId).toBe(promptId)
    expect(posts(sims[0]!.requests, promptId)).toBe(1)
  })

  it('ends a prompt the server does not have as TASK_LOST when no workflow is given', async () => {
    const { urls, sims } = await pool.servers(1)
    const client = nodeClient({ servers: urls, affinity: 'task' })
    const promptId = '0c5b2a59-2f0e-4f55-9d3e-7d7c1f1d2a02'
    const resumed = await client.resume({ server: urls[0]!, promptId })
    await expect(resumed.result).rejects.toMatchObject({ code: 'TASK_LOST', server: urls[0], promptId })
    expect(posts(sims[0]!.requests, promptId)).toBe(0)
  })

  it('refuses a server that is not configured and a malformed prompt id with typed errors', async () => {
    const { urls } = await pool.servers(1)
    const client = nodeClient({ servers: urls, affinity: 'task' })
    await expect(client.resume({ server: 'http://127.0.0.1:1', promptId: 'abc' })).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' })
    await expect(client.resume({ server: urls[0]!, promptId: 'a b' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(client.resume({ server: urls[0]!, promptId: 'abc', workflow: [] as never })).rejects.toMatchObject({ code: 'INVALID_WORKFLOW' })
  })

  it('refuses a chosen server in session affinity, and a resume on another server than the session lock', async () => {
    const { urls, sims } = await pool.servers(2)
    const client = nodeClient({ servers: urls })
    await expect(client.submit(emptyImageWorkflow(), { server: urls[1]! })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    const handle = await client.submit(slowWorkflowWithoutPreviews(4, 1))
    const other = urls.find(u => u !== handle.task?.server)!
    await expect(client.resume({ server: other, promptId: 'abc' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await handle.result
    expect(sims.flatMap(s => s.requests).filter(r => r.method === 'POST' && r.path.endsWith('/prompt'))).toHaveLength(1)
  })

  it('runs a task on the server the caller chose (submit server option)', async () => {
    const { urls, sims } = await pool.servers(3)
    const client = nodeClient({ servers: urls, affinity: 'task' })
    const results = await Promise.all([0, 1, 2, 3].map(async () => (await client.submit(emptyImageWorkflow(), { server: `${urls[2]}/` })).result))
    expect(results.map(r => r.server)).toEqual([urls[2], urls[2], urls[2], urls[2]])
    expect(sims[0]!.requests.filter(r => r.method === 'POST')).toEqual([])
    await expect(client.submit(emptyImageWorkflow(), { server: 'http://127.0.0.1:1' })).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' })
  })
})
