// A huge restored state is cheap (issue #20): a worker restarted with 20,000 saved pending tasks used to send one
// GET /history/{id} per task and pass (2,000 in 10 s). A reconcile pass now costs a few requests per server: the
// jobs list (or /queue on servers before the jobs API), then, when more than a few tasks are off the queue, the list of
// ended jobs (which says the ghosts have no history) or one GET /history on servers without the jobs API.
import type { ComfyStorage } from 'comfy-tether/client'
import type { ComfySimulator, SimulatorRequest } from 'comfy-tether/testing'
import { createComfySimulator } from 'comfy-tether/testing'
import { describe, expect, it } from 'vitest'
import { HISTORY_CONCURRENCY } from '../../src/client/reconcile-pass'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const { onClose } = simulatorPool()

function mapStorage(): ComfyStorage & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: key => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value) }
}

interface SavedTask { promptId: string, server: string, state: string, createdAt: number, number: number | null, cancelRequested: boolean, unconfirmed: boolean }

const SAVED = 20_000

describe.each(['0.33.0', '0.3.44'] as const)('a restore on ComfyUI %s', (version) => {
  it(`reconciles ${SAVED} saved pending tasks with a few requests per pass, not one per task`, async () => {
    const sim: ComfySimulator = await createComfySimulator({ version, speed: 1 })
    onClose(() => sim.close())
    const storage = mapStorage()
    const first = nodeClient({ servers: [sim.url], persist: { storage, key: 'worker' } })
    const real = [await first.submit(slowWorkflowWithoutPreviews(3, 0.45)), await first.submit(slowWorkflowWithoutPreviews(3, 0.45)), await first.submit(slowWorkflowWithoutPreviews(3, 0.45))]
    await waitFor(() => real.every(h => h.task?.state === 'running' || h.task?.state === 'queued'), 'the real tasks to be on the server')
    const realIds = real.map(h => h.task!.promptId)
    first.dispose() // the worker goes away with its tasks pending

    // Its saved state also holds 20,000 tasks the server does not know (long gone), newest last.
    const snapshot = JSON.parse(storage.data.get('worker')!) as { tasks: SavedTask[] }
    const server = snapshot.tasks[0]!.server
    const now = Date.now()
    const ghosts = Array.from({ length: SAVED }, (_, i) => ({ promptId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, server, state: 'queued', createdAt: now - SAVED + i, number: i, cancelRequested: false, unconfirmed: false }))
    snapshot.tasks = [...ghosts, ...snapshot.tasks.map(t => ({ ...t, createdAt: now + 1 }))]
    storage.setItem('worker', JSON.stringify(snapshot))
    const from = sim.requests.at(-1)?.seq ?? 0

    const second = nodeClient({ servers: [sim.url], persist: { storage, key: 'worker' } })
    await waitFor(() => realIds.every(id => second.tasks.get(id)?.state === 'succeeded'), 'the real tasks to succeed', 20_000)
    await waitFor(() => second.pendingCount === 0, 'every restored ghost to end', 20_000)
    const http: SimulatorRequest[] = sim.requests.filter(r => r.seq > from && r.kind === 'http')
    const passes = http.filter(r => version === '0.33.0' ? r.path === '/api/jobs' && r.query?.status === 'in_progress,pending' : r.path === '/queue').length
    const perTask = http.filter(r => r.method === 'GET' && r.path.startsWith('/history/')).length
    const whole = http.filter(r => r.method === 'GET' && r.path === '/history').length
    expect(passes).toBeGreaterThan(0)
    expect(perTask).toBeLessThanOrEqual(HISTORY_CONCURRENCY * passes)
    expect(whole).toBeLessThanOrEqual(passes)
    expect(http.length).toBeLessThanOrEqual(3 * passes + HISTORY_CONCURRENCY * passes + 4)
    if (version === '0.33.0') {
      expect(http.filter(r => r.path === '/queue')).toEqual([]) // the jobs list carries no workflows
      expect(whole).toBe(0) // the list of ended jobs says the ghosts have no history: nothing to read
    }
  })
})
