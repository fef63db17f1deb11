// A lock taken before the tether's chunk has loaded (the restore of a reload, at the client's creation) has a
// stand-in: it shows the lock and a socket that never opened, and once the chunk is there the tether it makes opens
// the socket and runs, in order, what was asked of it meanwhile. Each test loads load-server-tether.ts anew, so that
// its chunk is not there yet.
import type { ServerTether } from '../../src/client/server-tether'
import type { ComfyWebSocket } from '../../src/client/socket'
import type { ComfyApi } from '../../src/http/comfy-api'
import type { ServerQueue } from '../../src/client/server-queue'
import type { ComfyTask } from '../../src/core/task-state'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { resolveComfyOptions } from '../../src/client/resolve-options'
import { ServerUnreachableError } from '../../src/core/request-errors'
import { acquireLock } from '../../src/core/server-lock'
import { createTask } from '../../src/core/task-state'
import { tetherContext } from '../helpers/tether-context'

const SERVER = 'http://gpu-a:8188'

/** A socket that only records that it was made. */
class QuietSocket implements ComfyWebSocket {
  static made: QuietSocket[] = []
  readyState = 0
  binaryType = 'blob'
  constructor(readonly url: string) {
    QuietSocket.made.push(this)
  }

  addEventListener(): void {}
  send(): void {}
  close(): void {
    this.readyState = 3
  }
}

async function factory(options: { ready?: boolean } = {}) {
  vi.resetModules()
  const { createServerTether } = await import('../../src/client/load-server-tether')
  let ready = options.ready ?? false
  const task: ComfyTask = { ...createTask({ promptId: 'p0', server: SERVER, clientId: 'client-1', now: Date.now() }), state: 'queued' }
  const resolved = resolveComfyOptions({ servers: [SERVER], reconcile: { interval: 60_000, lostGrace: 60_000 }, maxOutage: 60_000 })
  const unreachable = (): Promise<never> => Promise.reject(new ServerUnreachableError(SERVER, 'GET /prompt', 'refused'))
  const api = { queueRemaining: vi.fn(unreachable), history: vi.fn(async () => null), histories: vi.fn(async () => new Map()) } as unknown as ComfyApi
  const queue: ServerQueue = { waiting: vi.fn(async () => ({ running: [], pending: ['p0'] })), ended: vi.fn(async () => null), cancel: vi.fn(async () => null), hasJobsApi: () => undefined, forget: vi.fn() }
  const ctx = tetherContext({ options: resolved, api, queue, WebSocket: QuietSocket, tasks: new Map([[task.promptId, task]]), ready: () => ready })
  const make = (): ServerTether => createServerTether(acquireLock(null, { server: SERVER, clientId: 'client-1', reason: 'restored-after-reload', now: Date.now(), pending: [] }), ctx)
  return { make, queue, api, setReady: (value: boolean) => void (ready = value) }
}

beforeEach(() => {
  QuietSocket.made = []
})

describe('a tether made before its chunk has loaded', () => {
  it('shows the restored lock at once, then opens the socket and runs the poll asked for meanwhile', async () => {
    const { make, queue, setReady } = await factory()
    const tether = make()
    expect(tether.lock.server).toBe(SERVER)
    expect(tether.socket.status).toBe('CLOSED')
    expect(tether.unreachableSince).toBeNull()
    expect(tether.holds()).toBe(true) // a task is pending
    setReady(true) // the restore's duplicate-tab check is done
    tether.readyChanged()
    tether.schedulePoll(0)
    expect(QuietSocket.made).toHaveLength(0)
    await vi.waitFor(() => expect(QuietSocket.made).toHaveLength(1))
    expect(new URL(QuietSocket.made[0]!.url).searchParams.get('clientId')).toBe('client-1')
    await vi.waitFor(() => expect(queue.waiting).toHaveBeenCalledTimes(1))
    tether.dispose()
  })

  it('starts the outage a call found before the chunk loaded', async () => {
    const { make } = await factory({ ready: true })
    const tether = make()
    tether.markUnreachable('GET /prompt: refused')
    expect(tether.unreachableSince).toBeNull()
    await vi.waitFor(() => expect(tether.unreachableSince).not.toBeNull())
    tether.dispose()
  })

  it('opens nothing once disposed before the chunk loaded, and later tethers are made at once', async () => {
    const { make } = await factory({ ready: true })
    const early = make()
    early.dispose()
    await expect(early.reconcile('requested')).resolves.toBeUndefined()
    expect(QuietSocket.made).toHaveLength(0)
    const later = make()
    expect(QuietSocket.made).toHaveLength(1) // the chunk is there now: the socket opens as the tether is made
    later.dispose()
  })
})
