// Found by the chaos run (300 tasks, seed 10): "prompt ids sent more than once". A POST /prompt whose answer was held
// back (the `delay` fault) had already started running: the client saw its frames. The client gave up on the answer,
// marked the task unconfirmed (and back to queued), the server restarted and forgot it, and the client, finding it on
// neither /queue nor /history, sent it again: the prompt ran twice. Frames naming the prompt prove the server had it:
// such a task is confirmed, and a restart that forgets it loses it (TASK_LOST server-restarted), as for any
// confirmed task, instead of running it a second time.
import { createComfySimulator } from 'comfy-tether/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { disposeAll, nodeClient } from '../helpers/node-client'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSim: (() => Promise<void>) | undefined
afterEach(async () => {
  disposeAll()
  await closeSim?.()
  closeSim = undefined
})

describe('a POST /prompt without an answer, whose prompt was seen running', () => {
  it('is not sent again after a restart forgot it: the task is lost, the prompt ran once', async () => {
    const sim = await createComfySimulator({ speed: 1 })
    closeSim = () => sim.close()
    // releaseDelay keeps the lock (and its socket) after the first task, so the next submit goes straight to its POST.
    const client = nodeClient({ servers: [sim.url], requestTimeout: 600, releaseDelay: 60_000, reconcile: { interval: 100, lostGrace: 200 }, maxOutage: 20_000 })
    await (await client.submit(emptyImageWorkflow(0x112233, 'warm'))).result
    sim.delayResponses(5000, '/prompt') // its answer comes after the client gave up on it
    const handle = await client.submit(slowWorkflowWithoutPreviews(10, 5))
    await waitFor(() => client.log.some(e => e.promptId === handle.promptId && e.message.includes('got no answer')), 'the client to give up on the answer')
    expect(handle.task?.state).toBe('running') // its frames came meanwhile
    await sim.restart()
    sim.delayResponses(0, '/prompt')
    const error = await handle.result.then(() => null, (e: { code?: string, reason?: string }) => ({ code: e.code, reason: e.reason }))
    expect({ error, posts: sim.requestsFor(handle.promptId).filter(r => r.method === 'POST' && r.path === '/prompt').length })
      .toEqual({ error: { code: 'TASK_LOST', reason: 'server-restarted' }, posts: 1 })
  })
})
