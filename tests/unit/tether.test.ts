// Unit tier (issue #22): one server's Tether with fake timers and a scripted socket, no simulator. It reconnects only
// to its own server and only while tasks are pending, asks the server when the socket is silent, ends its tasks after
// maxOutage without an answer, and leaves no timer behind.
import type { ServerTether } from '../../src/client/server-tether'
import type { ComfyWebSocket } from '../../src/client/socket'
import type { ComfyApi } from '../../src/http/comfy-api'
import type { ServerQueue } from '../../src/client/server-queue'
import type { ComfyTask } from '../../src/core/task-state'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createServerTether } from '../../src/client/server-tether'
import { resolveComfyOptions } from '../../src/client/resolve-options'
import { ServerUnreachableError } from '../../src/core/request-errors'
import { acquireLock } from '../../src/core/server-lock'
import { createTask } from '../../src/core/task-state'
import { tetherContext } from '../helpers/tether-context'

const SERVER = 'http://gpu-a:8188'

/** A WebSocket the test drives by hand: it opens, receives and closes when told. */
class ScriptedSocket implements ComfyWebSocket {
  static made: ScriptedSocket[] = []
  readyState = 0
  binaryType = 'blob'
  sent: string[] = []
  readonly #listeners = new Map<string, ((event: never) => void)[]>()
  constructor(readonly url: string) {
    ScriptedSocket.made.push(this)
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener])
  }

  send(data: string): void {
    this.sent.push(data)
  }

  close(code = 1000): void {
    this.serverClose(code)
  }

  open(): void {
    this.readyState = 1
    this.#fire('open', {})
  }

  serverClose(code: number): void {
    if (this.readyState === 3)
      return
    this.readyState = 3
    this.#fire('close', { code })
  }

  #fire(type: string, event: object): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (e: object) => void)(event)
  }
}

function factory(options: { pending?: number, answers?: boolean } = {}) {
  const tasks = new Map<string, ComfyTask>()
  for (let i = 0; i < (options.pending ?? 1); i++) {
    const task = { ...createTask({ promptId: `p${i}`, server: SERVER, clientId: 'client-1', now: Date.now() }), state: 'queued' as const }
    tasks.set(task.promptId, task)
  }
  const resolved = resolveComfyOptions({ servers: [SERVER], reconnect: { baseDelay: 100, maxDelay: 100, jitter: 'none' }, reconcile: { interval: 1000, lostGrace: 60_000 }, maxOutage: 10_000, healthTimeout: 500 })
  const unreachable = (): Promise<never> => Promise.reject(new ServerUnreachableError(SERVER, 'GET /prompt', 'refused'))
  const api = {
    queueRemaining: vi.fn(async () => (options.answers === false ? unreachable() : 0)),
    history: vi.fn(async () => (options.answers === false ? unreachable() : null)),
    histories: vi.fn(async () => (options.answers === false ? unreachable() : new Map())),
  } as unknown as ComfyApi
  const queue: ServerQueue = {
    waiting: vi.fn(async () => (options.answers === false ? unreachable() : { running: [], pending: [...tasks.keys()] })),
    ended: vi.fn(async () => null),
    cancel: vi.fn(async () => null),
    hasJobsApi: () => undefined,
    forget: vi.fn(),
  }
  const ctx = tetherContext({ options: resolved, api, queue, WebSocket: ScriptedSocket, tasks })
  const lock = acquireLock(null, { server: SERVER, clientId: 'client-1', reason: 'task-submitted', now: Date.now(), pending: [] })
  const tether: ServerTether = createServerTether(lock, ctx)
  return { tether, tasks, api, queue }
}

// The reconcile pass and the probes are lazy chunks (loaded by their first use): have their modules loaded, so that
// their dynamic import settles in microtasks, as the fake clock advances, not on real I/O.
beforeAll(async () => {
  await import('../../src/client/reconcile-pass')
  await import('../../src/client/server-probes')
})

beforeEach(() => {
  ScriptedSocket.made = []
  vi.useFakeTimers({ now: 1_000_000_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('Tether', () => {
  it('opens its socket to its own server with its clientId, and asks for preview metadata first', () => {
    const { tether } = factory()
    expect(ScriptedSocket.made).toHaveLength(1)
    const ws = ScriptedSocket.made[0]!
    expect(new URL(ws.url).host).toBe('gpu-a:8188')
    expect(new URL(ws.url).searchParams.get('clientId')).toBe('client-1')
    ws.open()
    expect(JSON.parse(ws.sent[0]!)).toMatchObject({ type: 'feature_flags', data: { supports_preview_metadata: true } })
    tether.dispose()
  })

  it('reconnects after a drop to the same server only, after the backoff, while a task is pending', async () => {
    const { tether } = factory()
    ScriptedSocket.made[0]!.open()
    ScriptedSocket.made[0]!.serverClose(1006)
    expect(ScriptedSocket.made).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(100)
    expect(ScriptedSocket.made).toHaveLength(2)
    expect(ScriptedSocket.made[1]!.url).toBe(ScriptedSocket.made[0]!.url)
    expect(tether.holds()).toBe(true)
    tether.dispose()
  })

  it('does not reconnect once no task is pending', async () => {
    const { tether } = factory({ pending: 0 })
    ScriptedSocket.made[0]!.open()
    ScriptedSocket.made[0]!.serverClose(1006)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(ScriptedSocket.made).toHaveLength(1)
    expect(tether.holds()).toBe(false)
    tether.dispose()
  })

  it('asks the server about its pending tasks when the open socket stays silent for an interval', async () => {
    const { tether, queue } = factory()
    ScriptedSocket.made[0]!.open()
    await vi.advanceTimersByTimeAsync(0)
    const asked = vi.mocked(queue.waiting).mock.calls.length // the reconcile every (re)connect runs
    tether.schedulePoll()
    await vi.advanceTimersByTimeAsync(999)
    expect(vi.mocked(queue.waiting).mock.calls.length).toBe(asked)
    await vi.advanceTimersByTimeAsync(1)
    expect(vi.mocked(queue.waiting).mock.calls.length).toBe(asked + 1)
    tether.dispose()
  })

  it('ends its pending tasks lost once the server has not answered for maxOutage', async () => {
    const { tether, tasks } = factory({ answers: false })
    ScriptedSocket.made[0]!.serverClose(1006) // refused: never opened
    tether.markUnreachable('test')
    await vi.advanceTimersByTimeAsync(9_000)
    expect(tasks.get('p0')?.state).toBe('queued')
    await vi.advanceTimersByTimeAsync(2_000)
    expect(tasks.get('p0')?.state).toBe('lost')
    expect(tasks.get('p0')?.error).toMatchObject({ code: 'TASK_LOST', reason: 'server-unreachable' })
    tether.dispose()
  })

  it('leaves no timer and no open socket after dispose', async () => {
    const { tether } = factory({ pending: 2 })
    ScriptedSocket.made[0]!.open()
    tether.schedulePoll()
    ScriptedSocket.made[0]!.serverClose(1006)
    tether.dispose()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(ScriptedSocket.made.every(ws => ws.readyState === 3 || ws.readyState === 0)).toBe(true)
    expect(ScriptedSocket.made).toHaveLength(1)
  })
})
