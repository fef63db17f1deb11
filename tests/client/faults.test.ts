// The fault scenarios the store is tested on, driven through createComfyClient in plain Node with `ws`: socket drop,
// silent socket, restart → lost, outage → the refused POST /prompt sent once the server is back, cancel.
import { describe, expect, it } from 'vitest'
import { createComfySimulator } from 'comfy-tether/testing'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'

const { servers, onClose } = simulatorPool()

describe('socket faults', () => {
  it('reconnects after a drop only to the locked server, never two sockets of one clientId at once, and the task completes', async () => {
    const { sims, urls } = await servers(2)
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(slowWorkflowWithoutPreviews(8, 1.6))
    await waitFor(() => handle.task?.state === 'running' && handle.task.progress, 'progress')
    const owner = sims.find(s => s.url === client.lock!.server)!
    owner.dropSockets()
    await waitFor(() => client.log.some(e => e.kind === 'socket-closed'), 'the drop')
    expect(handle.task?.state).toBe('running')
    const result = await handle.result
    expect(result.server).toBe(owner.url)
    const sockets = owner.requests.filter(r => r.kind === 'ws-open' || r.kind === 'ws-close')
    expect(sockets.filter(r => r.kind === 'ws-open').length).toBeGreaterThanOrEqual(2)
    let open = 0
    for (const event of sockets) {
      open += event.kind === 'ws-open' ? 1 : -1
      expect(open).toBeLessThanOrEqual(1)
    }
    const other = sims.find(s => s !== owner)!
    expect(other.requests.filter(r => r.kind === 'ws-open')).toEqual([])
    expect(client.log.some(e => e.kind === 'hold')).toBe(true)
  })

  it('catches a completion on an open but silent socket by polling', async () => {
    const { sims, urls } = await servers(1)
    const client = nodeClient({ servers: urls, reconcile: { interval: 200, lostGrace: 2000 } })
    const handle = await client.submit(slowWorkflowWithoutPreviews(4, 0.8))
    await waitFor(() => handle.task?.state === 'running', 'running')
    sims[0]!.setSilent(true)
    const result = await handle.result
    expect(result.images).toHaveLength(1)
    expect(client.log.some(e => e.kind === 'reconcile' && e.message.includes('socket silent'))).toBe(true)
  })
})

describe('restarts and outages', () => {
  it('ends a task lost (server-restarted) after a restart, and releases the lock', async () => {
    const { sims, urls } = await servers(1)
    const client = nodeClient({ servers: urls, reconcile: { interval: 100, lostGrace: 300 } })
    const handle = await client.submit(slowWorkflowWithoutPreviews(8, 4))
    await waitFor(() => handle.task?.state === 'running', 'running')
    await sims[0]!.restart()
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_LOST', reason: 'server-restarted', server: urls[0] })
    expect(handle.task?.state).toBe('lost')
    await waitFor(() => client.lock === null, 'the release')
    expect(client.socket.status).toBe('CLOSED')
  })

  it('ends tasks lost when the server stays down past maxOutage', async () => {
    const { sims, urls } = await servers(1)
    const client = nodeClient({ servers: urls, maxOutage: 600, reconcile: { interval: 100, lostGrace: 10_000 } })
    const handle = await client.submit(slowWorkflowWithoutPreviews(8, 4))
    await waitFor(() => handle.task?.state === 'running', 'running')
    await sims[0]!.goDown()
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_LOST', reason: 'server-unreachable' })
    await waitFor(() => client.lock === null, 'the release')
    expect(client.log.some(e => e.kind === 'outage')).toBe(true)
  })

  it('sends a task submitted during a short outage once the server is back, exactly once', async () => {
    const sim = await createComfySimulator({ speed: 1 })
    onClose(() => sim.close())
    const client = nodeClient({ servers: [sim.url], maxOutage: 10_000, socketOpenTimeout: 500 })
    const holder = await client.submit(slowWorkflowWithoutPreviews(8, 4))
    await waitFor(() => holder.task?.state === 'running', 'the holder to run')
    await sim.goDown()
    await waitFor(() => client.socket.status !== 'OPEN', 'the socket to notice the outage')
    const late = await client.submit(emptyImageWorkflow(0x123456, 'late'))
    await sleep(1200)
    expect(late.task?.state).toBe('preparing') // nothing was sent into the outage
    await sim.comeUp()
    const outcome = await late.result.then(() => 'succeeded', (e: { code?: string, reason?: string }) => `${e.code} ${e.reason}`)
    expect({ outcome, posts: sim.requestsFor(late.promptId).filter(r => r.method === 'POST').length, restarts: sim.state.restarts })
      .toEqual({ outcome: 'succeeded', posts: 1, restarts: 0 })
    await holder.result
  })
})

describe('cancel', () => {
  it('interrupts a running task on its own server, and deletes a queued one from the queue: it never runs', async () => {
    const { sims, urls } = await servers(1)
    const client = nodeClient({ servers: urls })
    const running = await client.submit(slowWorkflowWithoutPreviews(8, 2))
    const queued = await client.submit(emptyImageWorkflow())
    await waitFor(() => running.task?.state === 'running' && queued.task?.state === 'queued', 'one running, one queued')
    await client.cancel(queued.promptId)
    await expect(queued.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    await client.cancel(running.promptId)
    await expect(running.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    // ComfyUI 0.33 cancels by id (0.3.44's /queue + /interrupt path: cancel.test.ts).
    expect(sims[0]!.requests.filter(r => r.method === 'POST' && r.path.endsWith('/cancel')).map(r => r.path)).toEqual([`/api/jobs/${queued.promptId}/cancel`, `/api/jobs/${running.promptId}/cancel`])
    expect(sims[0]!.requests.filter(r => r.method === 'POST' && (r.path === '/interrupt' || r.path === '/queue'))).toEqual([])
    expect(queued.task?.startedAt).toBeNull()
    await expect(client.cancel('no-such-task')).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' })
  })
})
