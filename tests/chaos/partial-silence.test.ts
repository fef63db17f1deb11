// A second finding of the chaos run, kept as a regression test: a completion lost while the socket was briefly silent
// used to be recovered only once the whole server went quiet, because any frame counted as life, including the status
// broadcasts caused by other clients' work. Silence is now measured on frames about our own tasks.
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSim: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSim?.()
  closeSim = undefined
})

describe('a completion lost in a short silence', () => {
  it('is recovered within a few reconcile intervals while other clients keep the server busy', async () => {
    const sim = await createComfySimulator({ speed: 1 })
    closeSim = () => sim.close()
    const interval = 150 // FAST
    const a = mountComfy({ servers: [sim.url] }).store
    const b = mountComfy({ servers: [sim.url] }).store
    const task = await a.submit(slowWorkflow(4, 0.8))
    await waitFor(() => (task.task.value?.progress?.value ?? 0) >= 3, 'step 3 of 4')
    // The server finishes the task while sending nothing; then it talks again.
    sim.setSilent(true)
    await waitFor(() => sim.state.running !== task.promptId, 'the task to end on the server')
    sim.setSilent(false)
    const back = Date.now()
    // Another client keeps the server busy: each of its prompts makes the server broadcast a status to every socket.
    let stop = false
    const busy = (async () => {
      for (let i = 0; !stop; i++) await (await b.submit(slowWorkflow(1, 0.05, i))).result
    })()
    try {
      await waitFor(() => task.task.value?.state === 'succeeded' || Date.now() - back > 10 * interval, 'the task to end or 10 intervals to pass', 5000)
      expect(task.task.value?.state).toBe('succeeded')
      expect(Date.now() - back).toBeLessThan(10 * interval)
    }
    finally {
      stop = true
      await busy
    }
  })
})
