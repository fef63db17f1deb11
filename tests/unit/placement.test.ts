// Unit tier (issue #22): task affinity's placement is a pure function of a snapshot (core/placement.ts).
import type { PlacementSnapshot } from '../../src/core/placement'
import type { ServerStatus } from '../../src/core/server-pool'
import { describe, expect, it } from 'vitest'
import { placeNewTask } from '../../src/core/placement'
import { leastBusyStrategy } from '../../src/core/server-pool'

const server = (url: string, patch: Partial<ServerStatus> = {}): ServerStatus => ({ url, label: url, health: 'healthy', queueRemaining: 0, checkedAt: 0, error: null, unreachableSince: null, ...patch })

function snapshot(pending: Record<string, number>, patch: Partial<PlacementSnapshot> = {}): PlacementSnapshot {
  return { servers: Object.keys(pending).map(url => server(url)), pending: url => pending[url] ?? 0, serviceMs: () => null, maxTasksPerServer: 2, waiting: 1, ...patch }
}

describe('placeNewTask', () => {
  it('chooses the least busy server that has room', () => {
    expect(placeNewTask(snapshot({ a: 1, b: 0 }), leastBusyStrategy)).toBe('b')
  })

  it('answers undefined when every healthy server is full: the submit waits for a slot', () => {
    expect(placeNewTask(snapshot({ a: 2, b: 2 }), leastBusyStrategy)).toBeUndefined()
  })

  it('refuses with NO_SERVER_AVAILABLE when no server is healthy, rather than waiting', () => {
    const down = snapshot({ a: 0 }, { servers: [server('a', { health: 'unreachable', error: 'refused' })] })
    expect(() => placeNewTask(down, leastBusyStrategy)).toThrow(expect.objectContaining({ code: 'NO_SERVER_AVAILABLE' }))
  })

  it('uses a slow server while the backlog is long, and holds a task back from it near the end of a batch', () => {
    const times: Record<string, number> = { fast: 75, slow: 300 }
    const serviceMs = (url: string): number | null => times[url] ?? null
    // 1 pending on fast, 10 waiting: the backlog takes 11 / (1/75 + 1/300) = 660 ms; slow finishes one in 300 ms.
    expect(placeNewTask(snapshot({ fast: 1, slow: 0 }, { serviceMs, waiting: 10, maxTasksPerServer: 4 }), leastBusyStrategy)).toBe('slow')
    // 2 waiting: fast ends the backlog's 3 tasks at 225 ms, before slow would end one (300 ms): fast takes it though
    // it is busier.
    expect(placeNewTask(snapshot({ fast: 1, slow: 0 }, { serviceMs, waiting: 2, maxTasksPerServer: 4 }), leastBusyStrategy)).toBe('fast')
  })
})
