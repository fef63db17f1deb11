// Unit tier (issue #22): the TaskCache owns the map, the pending tasks per server, renames and retention, and tells
// each change as one typed event, after the task's result settled.
import type { ComfyTaskEvent, TaskCacheDeps } from '../../src/client/task-cache'
import type { ComfyTask } from '../../src/core/task-state'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TaskCache } from '../../src/client/task-cache'
import { ClientDisposedError } from '../../src/core/errors'
import { TaskCancelledError } from '../../src/core/task-errors'
import { createTask, endTask } from '../../src/core/task-state'

function factory(overrides: Partial<TaskCacheDeps> = {}) {
  const events: ComfyTaskEvent[] = []
  const errors: unknown[] = []
  const cache = new TaskCache({
    retention: 2,
    resultOf: task => ({ promptId: task.promptId, server: task.server, outputs: task.snapshot.outputs, images: [], imageUrls: [], files: [] }),
    wasSent: () => true,
    onChange: () => {},
    onListenerError: error => void errors.push(error),
    ...overrides,
  })
  cache.subscribe(event => void events.push(event))
  return { cache, events, errors }
}

const queued = (promptId: string, server = 'http://a'): ComfyTask => ({ ...createTask({ promptId, server, clientId: 'c', now: Date.now() }), state: 'queued' })
const succeeded = (task: ComfyTask): ComfyTask => ({ ...task, state: 'succeeded', endedAt: Date.now() })

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('TaskCache', () => {
  it('tells added, then updated, with the snapshot after each change', () => {
    const { cache, events } = factory()
    const task = cache.put(queued('p1'))
    task.dispatch({ type: 'patch', changes: { state: 'running' } })
    expect(events.map(e => [e.type, e.task.state])).toEqual([['added', 'queued'], ['updated', 'running']])
    expect(cache.snapshots.get('p1')).toBe(task.snapshot)
  })

  it('keeps the pending tasks per server, so one server\'s count costs nothing for the others', () => {
    const { cache } = factory()
    cache.put(queued('a1', 'http://a'))
    cache.put(queued('a2', 'http://a'))
    const b1 = cache.put(queued('b1', 'http://b'))
    expect(cache.pendingOn('http://a').map(t => t.promptId)).toEqual(['a1', 'a2'])
    b1.dispatch({ type: 'set', task: succeeded(b1.snapshot) })
    expect(cache.pendingOn('http://b')).toEqual([])
    expect(cache.pendingCount).toBe(2)
  })

  it('settles a task\'s result before any listener hears that it ended', async () => {
    const settledWhenTold: boolean[] = []
    const { cache } = factory()
    const task = cache.put(queued('p1'))
    const result = task.result()
    cache.subscribe(event => void settledWhenTold.push(event.type === 'updated' && task.settled))
    task.dispatch({ type: 'set', task: succeeded(task.snapshot) })
    expect(settledWhenTold).toEqual([true])
    await expect(result).resolves.toMatchObject({ promptId: 'p1' })
  })

  it('follows a task under the id an old server gave it, with its result and its pending place', async () => {
    const { cache, events } = factory()
    const task = cache.put(queued('minted'))
    const result = task.result()
    cache.rename('minted', 'server-id')
    expect(cache.get('minted')).toBe(task)
    expect(cache.snapshot('minted')?.promptId).toBe('server-id')
    expect(cache.pendingOn('http://a').map(t => t.promptId)).toEqual(['server-id'])
    expect(cache.snapshots.has('minted')).toBe(false)
    task.dispatch({ type: 'set', task: succeeded(task.snapshot) })
    await expect(result).resolves.toMatchObject({ promptId: 'server-id' })
    expect(events.at(-1)?.task.promptId).toBe('server-id')
  })

  it('drops the longest-ended tasks beyond its retention, and tells each removal', () => {
    const { cache, events } = factory()
    for (const id of ['t1', 't2', 't3']) {
      const task = cache.put(queued(id))
      task.dispatch({ type: 'set', task: endTask(task.snapshot, 'cancelled', new TaskCancelledError('http://a', id, 'dequeued'), Date.now()) })
      vi.advanceTimersByTime(10)
    }
    cache.put(queued('pending'))
    expect([...cache.snapshots.keys()].sort()).toEqual(['pending', 't2', 't3'])
    expect(events.filter(e => e.type === 'removed').map(e => e.task.promptId)).toEqual(['t1'])
  })

  it('reports a listener that throws and goes on telling the others', () => {
    const { cache, errors, events } = factory()
    cache.subscribe(() => {
      throw new Error('app bug')
    })
    cache.put(queued('p1'))
    expect(errors).toHaveLength(1)
    expect(events).toHaveLength(1)
  })

  it('rejects every result not settled yet on dispose, and keeps the outcome of an ended task', async () => {
    const { cache } = factory()
    const done = cache.put(queued('done'))
    done.dispatch({ type: 'set', task: succeeded(done.snapshot) })
    const open = cache.put(queued('open'))
    cache.dispose(task => new ClientDisposedError('The task', task.promptId))
    await expect(open.result()).rejects.toBeInstanceOf(ClientDisposedError)
    await expect(done.result()).resolves.toMatchObject({ promptId: 'done' })
  })
})

describe('TaskCache ids', () => {
  it('gives an id back to a new task once the renamed one is forgotten (a prompt resumed under its old id)', () => {
    const { cache } = factory()
    const first = cache.put(queued('minted'))
    cache.rename('minted', 'server-id')
    first.dispatch({ type: 'set', task: succeeded(first.snapshot) })
    cache.forget(first)
    const again = cache.put(queued('minted'))
    expect(cache.get('minted')).toBe(again)
    expect(cache.snapshot('minted')?.state).toBe('queued')
  })
})
