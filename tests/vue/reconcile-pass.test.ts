import type { ComfyTask } from '../../src/core/task-state'
import type { ComfyApi } from '../../src/http/comfy-api'
import { describe, expect, it } from 'vitest'
import { createTask } from '../../src/core/task-state'
import { createReconcilePass, HISTORY_CONCURRENCY, mapBounded } from '../../src/client/reconcile-pass'
import { createServerQueue } from '../../src/client/server-queue'
import { sleep } from '../helpers/wait'

const SERVER = 'http://127.0.0.1:1'

function task(id: string, changes: Partial<ComfyTask> = {}): ComfyTask {
  return { ...createTask({ promptId: id, server: SERVER, clientId: 'c', now: 1000 }), state: 'queued', queuedAt: 1000, ...changes }
}

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and returns the results in order', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapBounded(Array.from({ length: 20 }, (_, i) => i), 4, async (n) => {
      inFlight++
      most = Math.max(most, inFlight)
      await sleep(1 + (n % 3))
      inFlight--
      return n * 2
    })
    expect(most).toBe(4)
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2))
  })
})

describe('a reconcile pass', () => {
  function api(calls: string[], history: Record<string, unknown> = {}): ComfyApi {
    return {
      jobs: async () => null, // a server without the jobs API
      queue: async () => { calls.push('queue'); return { running: ['r'], pending: ['p'], runningItems: [], pendingItems: [] } },
      history: async (_s: string, id: string) => { calls.push(`history ${id}`); return (history[id] ?? null) as never },
    } as unknown as ComfyApi
  }

  it('asks /queue once, then /history only of the tasks not on it, at most HISTORY_CONCURRENCY at a time', async () => {
    const calls: string[] = []
    const tasks = new Map(['r', 'p', 'x', 'y'].map(id => [id, task(id)]))
    const pass = createReconcilePass({ now: () => Date.now(), server: SERVER, api: api(calls), queue: createServerQueue(api(calls)), lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => false, outageSeen: () => false, isDisposed: () => false })
    const changed = await pass([...tasks.values()])
    expect(calls).toEqual(['queue', 'history x', 'history y'])
    expect(HISTORY_CONCURRENCY).toBe(4)
    expect(Object.fromEntries(changed.map(t => [t.promptId, t.state]))).toMatchObject({ r: 'running' })
  })

  it('ends a confirmed task lost at once when the server broke since it was confirmed; keeps the grace for an unconfirmed one', async () => {
    const tasks = new Map([['a', task('a')], ['b', task('b', { unconfirmed: true })]])
    const pass = createReconcilePass({ now: () => Date.now(), server: SERVER, api: api([]), queue: createServerQueue(api([])), lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => true, outageSeen: () => true, isDisposed: () => false })
    const changed = new Map((await pass([...tasks.values()])).map(t => [t.promptId, t]))
    expect(changed.get('a')).toMatchObject({ state: 'lost', error: { reason: 'server-restarted' } })
    expect(changed.get('b')).toMatchObject({ state: 'queued' })
    expect(changed.get('b')?.missingSince).not.toBeNull()
  })
})

describe('a cancelled task gone from the server', () => {
  it('ends cancelled, not lost, when our delete took it out of the queue but its confirmation was lost', async () => {
    const tasks = new Map([['p', task('p', { cancelRequested: true })]])
    const queue = async (): Promise<unknown> => ({ running: [], pending: [], runningItems: [], pendingItems: [] })
    const history = async (): Promise<null> => null
    const fake = { queue, history, jobs: async () => null } as unknown as ComfyApi
    const pass = createReconcilePass({ now: () => Date.now(), server: SERVER, api: fake, queue: createServerQueue(fake), lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => true, outageSeen: () => true, isDisposed: () => false })
    const [changed] = await pass([...tasks.values()])
    expect(changed).toMatchObject({ state: 'cancelled', error: { code: 'TASK_CANCELLED', how: 'dequeued' } })
  })
})

describe('a pass whose tasks end while it waits for answers', () => {
  // Found by the chaos run: a /history/{id} read that went out long after the pass began, when that task had ended,
  // its lock had been released and the client held another server: a request off the held lock. A pass reads at most
  // HISTORY_CONCURRENCY entries, all at once, once the queue has answered: a read starts only for a task still pending
  // then, and none once the tether is gone.
  function slowQueuePass(ids: string[]) {
    const tasks = new Map(ids.map(id => [id, task(id)]))
    const calls: string[] = []
    let answerQueue: () => void = () => {}
    let disposed = false
    const slowApi = {
      queue: () => new Promise(resolve => answerQueue = () => resolve({ running: [], pending: [], runningItems: [], pendingItems: [] })),
      history: async (_s: string, id: string) => {
        calls.push(id)
        return null
      },
      jobs: async () => null,
    } as unknown as ComfyApi
    const pass = createReconcilePass({ now: () => Date.now(), server: SERVER, api: slowApi, queue: createServerQueue(slowApi), lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => false, outageSeen: () => false, isDisposed: () => disposed })
    return { tasks, calls, done: pass([...tasks.values()]), answerQueue: () => answerQueue(), dispose: () => void (disposed = true) }
  }

  it('does not read the history of a task that ended while the queue was being read', async () => {
    const run = slowQueuePass(['a', 'b', 'c'])
    await sleep(0)
    run.tasks.set('b', { ...task('b'), state: 'succeeded' }) // 'b' succeeds by its frames meanwhile
    run.answerQueue()
    await run.done
    expect(run.calls).toEqual(['a', 'c'])
    expect(HISTORY_CONCURRENCY).toBeGreaterThanOrEqual(3)
  })

  it('reads no history once its tether is gone', async () => {
    const run = slowQueuePass(['a', 'b', 'c'])
    await sleep(0)
    run.dispose()
    run.answerQueue()
    await run.done
    expect(run.calls).toEqual([])
  })
})
