// A finding of the chaos run, reduced to a deterministic case and kept as a regression test: a task submitted while
// its locked server is briefly down (shorter than maxOutage, longer than socketOpenTimeout) used to be sent into the
// outage, refused, and declared `lost` once the server was back, although the server never saw it. Now nothing is
// sent into a known outage, and a refused POST /prompt (which sent nothing) is sent again once the server is back.
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
import { sleep, waitFor } from '../helpers/wait'

let closeSim: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSim?.()
  closeSim = undefined
})

describe('a submit during a short outage', () => {
  it('runs the task once the server is back, within maxOutage', async () => {
    const sim = await createComfySimulator({ speed: 1 })
    closeSim = () => sim.close()
    const { store } = mountComfy({ servers: [sim.url], maxOutage: 10_000, socketOpenTimeout: 500 })
    // A long task holds the lock on the server through the outage (executions go on while it does not listen).
    const holder = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => holder.task.value?.state === 'running', 'the holder to run')
    await sim.goDown()
    await waitFor(() => store.socket.status !== 'OPEN', 'the socket to notice the outage')
    const late = await store.submit(emptyImageWorkflow(0x123456, 'late'))
    await sleep(1200)
    await sim.comeUp()
    const outcome = await late.result.then(() => 'succeeded', (e: { code?: string, reason?: string }) => `${e.code} ${e.reason}`)
    expect({ outcome, posts: sim.requestsFor(late.promptId).filter(r => r.method === 'POST').length, restarts: sim.state.restarts })
      .toEqual({ outcome: 'succeeded', posts: 1, restarts: 0 })
    await holder.result
  })
})
