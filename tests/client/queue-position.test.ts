// Queue positions are read only while someone reads them, cheaply, and never go up while a task waits. Before, every
// status frame made the client GET /queue on each server with queued tasks of ours, even in a backend that never
// looks at positions: one extra request per frame, each carrying every queued prompt's whole workflow.
import type { WaitingPrompts } from '../../src/client/server-queue'
import { createComfySimulator } from 'comfy-tether/testing'
import { describe, expect, it } from 'vitest'
import { createTask } from '../../src/core/task-state'
import { startWorkflowProgress, workflowKey } from '../../src/core/workflow-progress'
import { createWorkflowInsight } from '../../src/client/workflow-insight'
import { TaskCache } from '../../src/client/task-cache'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { sleep, waitFor } from '../helpers/wait'

const { onClose } = simulatorPool()

/** Reconcile polls far apart: every queue read below is one made for positions. */
const QUIET = { reconcile: { interval: 60_000, lostGrace: 60_000 } }

async function simulator(): Promise<Awaited<ReturnType<typeof createComfySimulator>>> {
  const sim = await createComfySimulator({ speed: 1 })
  onClose(() => sim.close())
  return sim
}

/** A slow workflow that no other one shares a cache with (ComfyUI would run a repeat at once from its cache). */
function uncached(color: number): ReturnType<typeof slowWorkflowWithoutPreviews> {
  const workflow = slowWorkflowWithoutPreviews(3, 0.45)
  return { ...workflow, 1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } } }
}

const queueReads = (sim: Awaited<ReturnType<typeof simulator>>): string[] =>
  sim.requests.filter(r => r.kind === 'http' && (r.path === '/queue' || r.path === '/api/jobs')).map(r => `${r.method} ${r.path}`)

describe('queue positions', () => {
  it('cost nothing in a backend that never reads them', async () => {
    const sim = await simulator()
    const client = nodeClient({ servers: [sim.url], ...QUIET })
    const handles = [await client.submit(uncached(1)), await client.submit(uncached(2)), await client.submit(uncached(3))]
    await Promise.all(handles.map(h => h.result))
    expect(queueReads(sim)).toEqual([])
  })

  it('are read on demand, from the jobs list rather than /queue, and kept current while observed', async () => {
    const sim = await simulator()
    const client = nodeClient({ servers: [sim.url], ...QUIET })
    const handles = [await client.submit(uncached(1)), await client.submit(uncached(2)), await client.submit(uncached(3))]
    const last = handles[2]!
    const seen: number[] = []
    const off = client.subscribe(() => {
      const position = last.workflow?.queuePosition
      if (typeof position === 'number' && seen.at(-1) !== position)
        seen.push(position)
    })
    await waitFor(() => last.workflow?.queuePosition === 2, 'the third task to be third')
    await Promise.all(handles.map(h => h.result))
    off()
    expect(seen[0]).toBe(2)
    expect(seen).toContain(1) // status frames kept it current
    expect(seen).toEqual([...seen].sort((a, b) => b - a)) // never up
    expect(queueReads(sim).length).toBeGreaterThan(0)
    expect(queueReads(sim).every(r => r === 'GET /api/jobs')).toBe(true)
  })

  it('never goes up while the task waits, even when a later read ranks it further back', async () => {
    // A first read with nothing else on the server, then one with another client's prompt running ahead of ours
    // (as seen on a real 0.33: 0, then 1, then 0).
    const answers: WaitingPrompts[] = [{ running: [], pending: ['ours'] }, { running: ['foreign'], pending: ['ours'] }, { running: ['foreign'], pending: ['ours'] }]
    const shown: (number | null)[] = []
    let reads = 0
    const cache = new TaskCache({ retention: 10, resultOf: () => { throw new Error('not in this test') }, wasSent: () => true, onChange: () => {}, onListenerError: (error) => { throw error } })
    const insight = createWorkflowInsight({ cache, queue: async () => answers[Math.min(reads++, answers.length - 1)]!, now: () => Date.now() })
    const task = cache.put({ ...createTask({ promptId: 'ours', server: 'http://a', clientId: 'c', now: 0 }), state: 'queued' })
    const prompt = slowWorkflowWithoutPreviews()
    task.dispatch({ type: 'track', prompt, filled: null, key: workflowKey(prompt), progress: startWorkflowProgress(['1', '2', '3']), format: 'api' })
    cache.subscribe(() => void shown.push(insight.view('ours')?.queuePosition ?? null))
    insight.view('ours') // someone looks
    insight.onStatus('http://a')
    await waitFor(() => reads >= 1 && shown.includes(0), 'the first read')
    insight.onStatus('http://a')
    await waitFor(() => reads >= 2, 'the second read')
    insight.onStatus('http://a')
    await waitFor(() => reads >= 3, 'the third read')
    await sleep(20)
    expect(shown.filter(p => p !== null)).not.toContain(1)
    expect(insight.view('ours')?.queuePosition).toBe(0)
    insight.dispose()
  })
})
