import { afterEach, describe, expect, it } from 'vitest'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
import { sleep, waitFor } from '../helpers/wait'

let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSims?.()
  closeSims = undefined
})

async function servers(count: number, speed = 1) {
  const started = await startSimulators(count, { speed })
  closeSims = started.close
  return started
}

describe('socket drops', () => {
  it('reconnects only to the locked server, closing the old socket first, and the task completes', async () => {
    const { sims, urls } = await servers(3)
    const { store } = mountComfy({ servers: urls })
    const handle = await store.submit(slowWorkflow(8, 1.6))
    await waitFor(() => handle.task.value?.state === 'running' && handle.task.value.progress, 'progress')
    const owner = sims.find(s => s.url === store.lock!.server)!
    owner.dropSockets()
    await waitFor(() => store.log.some(e => e.kind === 'socket-closed'), 'the drop')
    expect(handle.task.value?.state).toBe('running')
    expect(store.lock?.server).toBe(owner.url)
    expect(store.getApiBaseUrl()).toBe(owner.url)
    const result = await handle.result
    expect(result.server).toBe(owner.url)
    expect(result.images.length).toBe(1)

    const sockets = owner.requests.filter(r => r.kind === 'ws-open' || r.kind === 'ws-close')
    expect(sockets.filter(r => r.kind === 'ws-open').length).toBeGreaterThanOrEqual(2)
    expect(new Set(sockets.map(r => r.clientId))).toEqual(new Set([store.clientId]))
    // never two sockets of one clientId at once: opens and closes alternate
    let open = 0
    for (const event of sockets) {
      open += event.kind === 'ws-open' ? 1 : -1
      expect(open).toBeLessThanOrEqual(1)
    }
    for (const other of sims.filter(s => s !== owner)) expect(other.requests.filter(r => r.kind === 'ws-open')).toEqual([])
    expect(store.log.some(e => e.kind === 'hold')).toBe(true)
  })

  it('attributes the reconnect hint (executing without prompt_id) to the running task', async () => {
    const { sims, urls } = await servers(1)
    const { store } = mountComfy({ servers: urls, reconnect: { baseDelay: 10, maxDelay: 10, jitter: 'none' } })
    const handle = await store.submit({
      1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      7: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 4, seconds: 2, preview: false, progress_text: false } },
      3: { class_type: 'SaveImage', inputs: { images: ['7', 0], filename_prefix: 'hint' } },
    })
    await waitFor(() => handle.task.value?.node === '7', 'node 7 to run')
    // Forget the node locally, then drop: only the server's hint can tell us again which node runs.
    store.tasks.set(handle.promptId, { ...handle.task.value!, node: null })
    sims[0]!.dropSockets()
    await waitFor(() => store.socket.status === 'OPEN' && store.socket.openedAt && handle.task.value?.node === '7', 'the hint to name node 7', 3000)
    await handle.result
  })

  it('recovers a completion sent while the socket was down, through /history', async () => {
    const { sims, urls } = await servers(1)
    const { store } = mountComfy({ servers: urls, reconnect: { baseDelay: 1500, maxDelay: 1500, jitter: 'none' }, reconcile: { interval: 60_000, lostGrace: 300 } })
    const handle = await store.submit(slowWorkflow(4, 0.6))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    sims[0]!.dropSockets()
    await waitFor(() => sims[0]!.state.running === null, 'the prompt to finish on the server while we are away')
    expect(handle.task.value?.state).toBe('running')
    const result = await handle.result
    expect(result.images).toHaveLength(1)
    expect(store.log.some(e => e.kind === 'reconcile' && e.message.includes('socket reconnected'))).toBe(true)
  })

  it('catches a completion on an open but silent socket by polling', async () => {
    const { sims, urls } = await servers(1)
    const { store } = mountComfy({ servers: urls, reconcile: { interval: 200, lostGrace: 2000 } })
    const handle = await store.submit(slowWorkflow(4, 0.8))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    sims[0]!.setSilent(true)
    const result = await handle.result
    expect(result.images).toHaveLength(1)
    expect(store.log.some(e => e.kind === 'reconcile' && e.message.includes('socket silent'))).toBe(true)
  })

  it('does not reconnect when no task is pending', async () => {
    const { sims, urls } = await servers(1)
    const { store } = mountComfy({ servers: urls, releaseDelay: 5000 })
    await (await store.submit(emptyImageWorkflow())).result
    expect(store.lock).not.toBeNull() // held during releaseDelay, with no task pending
    const opens = sims[0]!.requests.filter(r => r.kind === 'ws-open').length
    sims[0]!.dropSockets()
    await sleep(400)
    expect(sims[0]!.requests.filter(r => r.kind === 'ws-open').length).toBe(opens)
  })
  it('retries a down server with exponential backoff, only that server, while its task is pending', async () => {
    const { sims, urls } = await servers(2)
    const { store } = mountComfy({ servers: urls, reconnect: { baseDelay: 80, maxDelay: 320, jitter: 'none' }, maxOutage: 10_000, reconcile: { interval: 60_000, lostGrace: 10_000 } })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    const owner = sims.find(s => s.url === store.lock!.server)!
    const other = sims.find(s => s !== owner)!
    const otherBefore = other.requests.length
    await owner.goDown()
    await waitFor(() => store.log.filter(e => e.kind === 'socket-closed').length >= 5, '5 closes (the drop and 4 refused attempts)')
    const closes = store.log.filter(e => e.kind === 'socket-closed').map(e => e.at)
    const gaps = closes.slice(1).map((at, i) => at - closes[i]!)
    // attempt n waits min(320, 80 * 2^(n-1)) before connecting; a refused connection closes within a few ms
    expect(gaps[0]).toBeGreaterThanOrEqual(80)
    expect(gaps[1]).toBeGreaterThanOrEqual(160)
    expect(gaps[2]).toBeGreaterThanOrEqual(320)
    expect(gaps[3]).toBeGreaterThanOrEqual(320)
    expect(store.socket.attempts).toBeGreaterThanOrEqual(4)
    expect(store.lock?.server).toBe(owner.url)
    expect(other.requests.length).toBe(otherBefore)
    await owner.comeUp()
    await handle.result
  })
})

describe('restarts and outages', () => {
  it('ends a task lost with TaskLostError after a restart, and releases the lock', async () => {
    const { sims, urls } = await servers(1)
    const { store } = mountComfy({ servers: urls, reconcile: { interval: 100, lostGrace: 300 } })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    await sims[0]!.restart()
    const error = await handle.result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TASK_LOST', reason: 'server-restarted', server: urls[0] })
    expect(handle.task.value?.state).toBe('lost')
    await waitFor(() => store.lock === null, 'the release')
    expect(store.socket.status).toBe('CLOSED')
  })

  it('ends tasks lost when the server stays down past maxOutage', async () => {
    const { sims, urls } = await servers(1)
    const { store } = mountComfy({ servers: urls, maxOutage: 600, reconcile: { interval: 100, lostGrace: 10_000 } })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    await sims[0]!.goDown()
    const error = await handle.result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TASK_LOST', reason: 'server-unreachable' })
    await waitFor(() => store.lock === null, 'the release')
    expect(store.log.some(e => e.kind === 'outage')).toBe(true)
  })

  it('keeps a task through a short outage and completes it', async () => {
    const { sims, urls } = await servers(1)
    const { store } = mountComfy({ servers: urls, maxOutage: 10_000 })
    const handle = await store.submit(slowWorkflow(6, 1.5))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    await sims[0]!.goDown()
    await sleep(300)
    expect(store.lock?.server).toBe(urls[0])
    expect(store.pendingCount).toBe(1)
    await sims[0]!.comeUp()
    const result = await handle.result
    expect(result.images).toHaveLength(1)
  })
})

describe('release', () => {
  it('releases when the last task ends, closes the socket, and the next task may go elsewhere', async () => {
    const { sims, urls } = await servers(2)
    const { store } = mountComfy({ servers: urls })
    const first = await (await store.submit(emptyImageWorkflow())).result
    await waitFor(() => store.lock === null, 'the release')
    expect(store.socket.status).toBe('CLOSED')
    expect(store.log.some(e => e.kind === 'release')).toBe(true)
    // Make the first server busy with another client's long prompt: the next task goes to the idle one.
    const busy = sims.find(s => s.url === first.server)!
    await fetch(`${busy.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: slowWorkflow(10, 5), client_id: 'someone-else' }) })
    const second = await (await store.submit(emptyImageWorkflow(7))).result
    expect(second.server).not.toBe(first.server)
  })

  it('refuses release() while tasks are pending', async () => {
    const { urls } = await servers(1)
    const { store } = mountComfy({ servers: urls })
    const handle = await store.submit(slowWorkflow(4, 0.8))
    expect(() => store.release()).toThrow(/cannot be released: 1 task/)
    expect(store.checkUnlockCondition()).toMatchObject({ canUnlock: false, pending: [handle.promptId] })
    await handle.result
  })
})
