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

describe('submitting', () => {
  it('mints the prompt id before POST /prompt and sends it as prompt_id', async () => {
    const { sims, urls, close } = await startSimulators(1, { speed: 20 })
    closeSims = close
    const { store } = mountComfy({ servers: urls })
    const handle = await store.submit(emptyImageWorkflow())
    expect(handle.promptId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    await handle.result
    const posts = sims[0]!.requests.filter(r => r.method === 'POST' && r.path === '/prompt')
    expect(posts).toHaveLength(1)
    expect(posts[0]!.promptIds).toEqual([handle.promptId])
  })

  it('looks a submit whose answer was lost up on the server instead of sending it twice', async () => {
    const { sims, urls, close } = await startSimulators(1, { speed: 1 })
    closeSims = close
    const { store } = mountComfy({ servers: urls, requestTimeout: 300, reconcile: { interval: 150, lostGrace: 3000 } })
    sims[0]!.delayResponses(800, '/prompt')
    const handle = await store.submit(slowWorkflow(3, 0.6))
    await waitFor(() => handle.task.value?.unconfirmed || handle.task.value?.state === 'running', 'the lost answer')
    sims[0]!.delayResponses(0)
    const result = await handle.result
    expect(result.images).toHaveLength(1)
    expect(sims[0]!.requests.filter(r => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1)
  })

  it('follows the server\'s own prompt id on servers older than 0.3.45', async () => {
    const { sims, urls, close } = await startSimulators(1, { speed: 20, version: '0.3.44' })
    closeSims = close
    const { store } = mountComfy({ servers: urls })
    const handle = await store.submit(emptyImageWorkflow())
    const result = await handle.result
    expect(result.promptId).not.toBe(handle.promptId)
    expect(handle.task.value?.promptId).toBe(result.promptId)
    expect(handle.task.value?.state).toBe('succeeded')
    expect(sims[0]!.requests.filter(r => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1)
  })
})

describe('cleanup', () => {
  it('closes the socket and stops all polling when the app unmounts', async () => {
    const { sims, urls, close } = await startSimulators(1, { speed: 1 })
    closeSims = close
    const mounted = mountComfy({ servers: urls, reconcile: { interval: 50, lostGrace: 10_000 } })
    const handle = await mounted.store.submit(slowWorkflow(6, 3))
    await waitFor(() => handle.task.value?.state === 'running', 'running')
    mounted.unmount()
    await waitFor(() => sims[0]!.requests.some(r => r.kind === 'ws-close'), 'the socket to close')
    const count = sims[0]!.requests.length
    await sleep(400)
    expect(sims[0]!.requests.length).toBe(count)
    expect(sims[0]!.state.connectedClients).toEqual([])
  })
})
