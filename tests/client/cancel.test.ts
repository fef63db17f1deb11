// Cancel by id: ComfyUI 0.33 has `POST /api/jobs/{id}/cancel`, which dequeues that prompt or interrupts it if it runs,
// and touches nothing else. Older servers (0.3.44) answer 404 there: the client falls back to `/queue` + `/interrupt`,
// and learns that once per server.
import type { ComfySimulator, SimulatorRequest } from 'comfy-tether/testing'
import { createComfySimulator } from 'comfy-tether/testing'
import { describe, expect, it } from 'vitest'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const { onClose, servers } = simulatorPool()

async function simulator(version: '0.33.0' | '0.3.44'): Promise<ComfySimulator> {
  const sim = await createComfySimulator({ version, speed: 1 })
  onClose(() => sim.close())
  return sim
}

const since = (sim: ComfySimulator, seq: number): SimulatorRequest[] => sim.requests.filter(r => r.seq > seq)
const lastSeq = (sim: ComfySimulator): number => sim.requests.at(-1)?.seq ?? 0
const described = (requests: SimulatorRequest[]): string[] => requests.map(r => `${r.method} ${r.path}`)

describe('cancel on a server with the jobs API (ComfyUI 0.33)', () => {
  it('dequeues a pending task with one POST /api/jobs/{id}/cancel; the running task of the same server goes on', async () => {
    const sim = await simulator('0.33.0')
    const client = nodeClient({ servers: [sim.url] })
    const first = await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    const second = await client.submit(slowWorkflowWithoutPreviews(2, 0.2))
    await waitFor(() => first.task?.state === 'running' && second.task?.state === 'queued', 'one running, one queued')
    const before = lastSeq(sim)
    await client.cancel(second.promptId)
    await expect(second.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    const cancelRequests = since(sim, before).filter(r => r.method === 'POST')
    expect(described(cancelRequests)).toEqual([`POST /api/jobs/${second.promptId}/cancel`])
    expect(since(sim, before).some(r => r.path === '/queue')).toBe(false)
    await expect(first.result).resolves.toMatchObject({ promptId: first.promptId })
    expect((await (await fetch(`${sim.url}/history/${second.promptId}`)).json())).toEqual({})
    // A dequeued prompt sends no frame: that is no sign of a deaf socket, so the socket stays the one opened first.
    expect(sim.requests.filter(r => r.kind === 'ws-open')).toHaveLength(1)
  })

  it('interrupts the running task by id, which ends cancelled, without asking /queue', async () => {
    const sim = await simulator('0.33.0')
    const client = nodeClient({ servers: [sim.url] })
    const handle = await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    await waitFor(() => client.tasks.get(handle.promptId)?.state === 'running', 'the task to run')
    const before = lastSeq(sim)
    await client.cancel(handle.promptId)
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    expect(client.tasks.get(handle.promptId)?.state).toBe('cancelled')
    const sent = described(since(sim, before).filter(r => r.method === 'POST'))
    expect(sent).toEqual([`POST /api/jobs/${handle.promptId}/cancel`])
    expect(since(sim, before).some(r => r.path === '/queue' || r.path === '/interrupt')).toBe(false)
  })
})

describe('cancel on a server without the jobs API (ComfyUI 0.3.44)', () => {
  it('falls back to /queue + /interrupt, and tries the jobs route only once per server', async () => {
    const sim = await simulator('0.3.44')
    const client = nodeClient({ servers: [sim.url] })
    const first = await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    const second = await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    await waitFor(() => first.task?.state === 'running' && second.task?.state === 'queued', 'one running, one queued')
    await client.cancel(second.promptId)
    await expect(second.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    await client.cancel(first.promptId)
    await expect(first.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    const jobsCalls = sim.requests.filter(r => r.path.startsWith('/api/jobs'))
    expect(jobsCalls.length).toBe(1)
    expect(jobsCalls[0]?.status).toBe(404)
    expect(sim.requests.some(r => r.method === 'POST' && r.path === '/interrupt')).toBe(true)
  })
})

// A cancel while the first POST /prompt to a server is in flight: the client does not know yet whether that server
// keeps the prompt id it minted (servers before 0.3.45 mint their own), and the answer may come only after the
// prompt has run. The cancel must still reach the server under the minted id (a cancel by id or a delete of an
// unknown id is harmless), not wait for an answer that comes too late.
describe('cancel while the first POST /prompt is in flight', () => {
  it('interrupts or deletes the prompt on the server under its minted id, and the task ends cancelled', async () => {
    const { sims, urls } = await servers(1)
    const sim = sims[0]!
    const client = nodeClient({ servers: urls, healthTimeout: 4000 }) // its GET /prompt health check is delayed too
    sim.delayResponses(1500, '/prompt') // the answer comes after the prompt has started running
    const handle = await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    await waitFor(() => sim.requests.some(r => r.method === 'POST' && r.path === '/prompt'), 'the POST /prompt to arrive')
    await client.cancel(handle.promptId)
    const error = await handle.result.then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'TASK_CANCELLED' })
    expect(client.tasks.get(handle.promptId)?.state).toBe('cancelled')
    const cancels = sim.requestsFor(handle.promptId).filter(r => r.method === 'POST' && (r.path === '/interrupt' || r.path === '/queue' || r.path === `/api/jobs/${handle.promptId}/cancel`))
    expect(cancels.length).toBeGreaterThan(0)
  })
})
