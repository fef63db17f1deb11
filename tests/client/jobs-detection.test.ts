// Whether a server has the jobs API (ComfyUI 0.33) is learned from its first answer on a jobs route, kept per server,
// and learned again after the server may have restarted (as another version, maybe).
import type { ComfyApi } from '../../src/http/comfy-api'
import { createComfySimulator } from 'comfy-tether/testing'
import { describe, expect, it } from 'vitest'
import { createServerQueue } from '../../src/client/server-queue'
import { ProtocolError } from '../../src/core/errors'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const { onClose } = simulatorPool()

function fakeApi(hasJobs: Record<string, boolean>, calls: string[]): ComfyApi {
  return {
    jobs: async (server: string) => {
      calls.push(`jobs ${server}`)
      return hasJobs[server] ? [{ id: 'p', status: 'pending', priority: 2 }, { id: 'q', status: 'pending', priority: 1 }, { id: 'r', status: 'in_progress', priority: 0 }] : null
    },
    cancelJob: async (server: string) => {
      calls.push(`cancel ${server}`)
      return hasJobs[server] ? true : null
    },
    queue: async (server: string) => {
      calls.push(`queue ${server}`)
      return { running: ['r'], pending: ['q', 'p'], runningItems: [], pendingItems: [] }
    },
  } as unknown as ComfyApi
}

describe('the jobs API detection', () => {
  it('asks a server without it once, then goes straight to /queue; a server with it is read by the jobs list', async () => {
    const calls: string[] = []
    const queue = createServerQueue(fakeApi({ new: true, old: false }, calls))
    expect(await queue.waiting('old')).toEqual({ running: ['r'], pending: ['q', 'p'] })
    expect(await queue.waiting('old')).toEqual({ running: ['r'], pending: ['q', 'p'] })
    expect(await queue.cancel('old', 'p')).toBeNull()
    expect(await queue.ended('old')).toBeNull()
    expect(await queue.waiting('new')).toEqual({ running: ['r'], pending: ['q', 'p'] }) // pending in run order
    expect(calls).toEqual(['jobs old', 'queue old', 'queue old', 'jobs new'])
    expect([queue.hasJobsApi('old'), queue.hasJobsApi('new'), queue.hasJobsApi('other')]).toEqual([false, true, undefined])
  })

  it('asks again after forget() (the server may have restarted as another version)', async () => {
    const calls: string[] = []
    const queue = createServerQueue(fakeApi({ old: false }, calls))
    await queue.waiting('old')
    queue.forget('old')
    await queue.waiting('old')
    expect(calls).toEqual(['jobs old', 'queue old', 'jobs old', 'queue old'])
  })

  it('takes a first answer that is not the jobs API\'s (a proxy\'s page for unknown routes) for a server without it', async () => {
    const calls: string[] = []
    const api = fakeApi({}, calls)
    api.jobs = async () => {
      calls.push('jobs html')
      throw new ProtocolError('http://proxy', 'GET /api/jobs answered text "<html>" where a JSON object was expected')
    }
    const queue = createServerQueue(api)
    expect(await queue.waiting('proxy')).toEqual({ running: ['r'], pending: ['q', 'p'] })
    expect(await queue.cancel('proxy', 'p')).toBeNull()
    expect(calls).toEqual(['jobs html', 'queue proxy'])
  })

  it('learns it again after the server restarted', async () => {
    const sim = await createComfySimulator({ version: '0.3.44', speed: 1 })
    onClose(() => sim.close())
    const client = nodeClient({ servers: [sim.url], reconcile: { interval: 100, lostGrace: 60_000 } })
    const handle = await client.submit(slowWorkflowWithoutPreviews(6, 3))
    await waitFor(() => handle.task?.state === 'running', 'the task to run')
    const jobsCalls = (): number => sim.requests.filter(r => r.path.startsWith('/api/jobs')).length
    await client.cancel(handle.promptId) // the first jobs route: 404, so /queue + /interrupt
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    expect(sim.requests.filter(r => r.path.startsWith('/api/jobs')).map(r => r.status)).toEqual([404])
    const next = await client.submit(slowWorkflowWithoutPreviews(6, 3))
    await waitFor(() => next.task?.state === 'running', 'the next task to run')
    const passes = (): number => client.log.filter(e => e.kind === 'reconcile' && e.message.startsWith('reconciled')).length
    const seen = passes()
    await waitFor(() => passes() >= seen + 2, 'two more reconcile passes')
    expect(jobsCalls()).toBe(1) // known: no jobs API here
    await sim.restart()
    await expect(next.result).rejects.toMatchObject({ code: 'TASK_LOST' })
    expect(jobsCalls()).toBe(2) // asked once more after the break
  })
})
