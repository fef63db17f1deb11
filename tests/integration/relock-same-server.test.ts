import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSim: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSim?.()
  closeSim = undefined
})

describe('locking the same server again right after a release', () => {
  it.each(['session', 'task'] as const)('waits for the old socket to close, so the new one (same clientId) is not made deaf by its cleanup (affinity %s)', async (affinity) => {
    const sim = await createComfySimulator({ speed: 1 })
    closeSim = () => sim.close()
    // Polling far away: every progress update below must come through the socket.
    const { store } = mountComfy({ servers: [sim.url], affinity, reconcile: { interval: 60_000, lostGrace: 60_000 } })
    for (let round = 0; round < 5; round++) {
      await (await store.submit(emptyImageWorkflow(round))).result
      await waitFor(() => store.locks.length === 0, 'the release')
      const next = await store.submit(slowWorkflow(4, 0.4, round))
      await waitFor(() => (next.task.value?.progress?.value ?? 0) >= 2, `progress through the socket (round ${round})`, 3000)
      await next.result
      await waitFor(() => store.locks.length === 0, 'the release')
    }
    const sockets = sim.requests.filter(r => r.kind === 'ws-open' || r.kind === 'ws-close')
    let open = 0
    for (const event of sockets) {
      open += event.kind === 'ws-open' ? 1 : -1
      expect(open).toBeLessThanOrEqual(1)
    }
  })
})
