import type { ComfyTask } from '../../src/core/task-state'
import type { ComfyApi } from '../../src/http/comfy-api'
import { describe, expect, it } from 'vitest'
import { createTask } from '../../src/core/task-state'
import { createReconcilePass, HISTORY_CONCURRENCY, mapBounded } from '../../src/client/reconcile-pass'

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
      await new Promise(resolve => setTimeout(resolve, 1 + (n % 3)))
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
      queue: async () => { calls.push('queue'); return { running: ['r'], pending: ['p'], runningItems: [], pendingItems: [] } },
      history: async (_s: string, id: string) => { calls.push(`history ${id}`); return (history[id] ?? null) as never },
    } as unknown as ComfyApi
  }

  it('asks /queue once, then /history only of the tasks not on it, at most HISTORY_CONCURRENCY at a time', async () => {
    const calls: string[] = []
    const tasks = new Map(['r', 'p', 'x', 'y'].map(id => [id, task(id)]))
    const pass = createReconcilePass({ server: SERVER, api: api(calls), lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => false, outageSeen: () => false, isDisposed: () => false })
    const changed = await pass([...tasks.values()])
    expect(calls).toEqual(['queue', 'history x', 'history y'])
    expect(HISTORY_CONCURRENCY).toBe(4)
    expect(Object.fromEntries(changed.map(t => [t.promptId, t.state]))).toMatchObject({ r: 'running' })
  })

  it('ends a confirmed task lost at once when the server broke since it was confirmed; keeps the grace for an unconfirmed one', async () => {
    const tasks = new Map([['a', task('a')], ['b', task('b', { unconfirmed: true })]])
    const pass = createReconcilePass({ server: SERVER, api: api([]), lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => true, outageSeen: () => true, isDisposed: () => false })
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
    const pass = createReconcilePass({ server: SERVER, api: { queue, history } as unknown as ComfyApi, lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => true, outageSeen: () => true, isDisposed: () => false })
    const [changed] = await pass([...tasks.values()])
    expect(changed).toMatchObject({ state: 'cancelled', error: { code: 'TASK_CANCELLED', how: 'dequeued' } })
  })
})

describe('a pass whose tasks end while it waits for answers', () => {
  // Found by the chaos run: with more tasks than HISTORY_CONCURRENCY and slow answers, the last /history/{id} read of
  // a pass went out a second after the pass began, when that task had ended, its lock had been released and the
  // client held another server: a request off the held lock. A read starts only for a task still pending on a live
  // tether.
  it('does not read the history of a task that ended, nor any once its tether is gone', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
    const tasks = new Map(ids.map(id => [id, task(id)]))
    const calls: string[] = []
    const answers: (() => void)[] = []
    let disposed = false
    const slowApi = {
      queue: async () => ({ running: [], pending: [], runningItems: [], pendingItems: [] }),
      history: (_s: string, id: string) => {
        calls.push(id)
        return new Promise<null>(resolve => answers.push(() => resolve(null)))
      },
    } as unknown as ComfyApi
    const pass = createReconcilePass({ server: SERVER, api: slowApi, lostGraceMs: 60_000, getTask: id => tasks.get(id), resubmit: async () => false, brokeSince: () => false, outageSeen: () => false, isDisposed: () => disposed })
    const done = pass([...tasks.values()])
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(calls).toEqual(['a', 'b', 'c', 'd'])
    // Meanwhile 'e' succeeds by its frames; then the first answer frees a lane.
    tasks.set('e', { ...task('e'), state: 'succeeded' })
    answers.shift()!()
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'f'])
    // The tether is released (disposed) before the other answers: 'g' is not read.
    disposed = true
    for (const answer of answers.splice(0)) answer()
    await done
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'f'])
  })
})
