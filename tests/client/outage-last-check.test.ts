// Found by the chaos run (300 tasks): a short outage, then a short black hole as the server came back. The client's
// poll and socket reconnect went into the black hole and hung there (a request until requestTimeout, the upgrade for
// good), so nothing fresh was asked of the server while the outage clock, counting from the last answer, ran out: the
// running tasks were lost at maxOutage although the server had answered again for seconds. maxOutage ends tasks only
// once a request sent when it ran out gets no answer either.
import { describe, expect, it } from 'vitest'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { sleep, waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

describe('maxOutage running out', () => {
  it('asks the server once more before the tasks are lost: a server answering again keeps them', async () => {
    const { sims, urls } = await servers(1)
    const sim = sims[0]!
    // requestTimeout well above maxOutage: a request stuck in the black hole outlives the outage clock.
    const client = nodeClient({ servers: urls, maxOutage: 2500, requestTimeout: 8000, healthTimeout: 1000 })
    const handle = await client.submit(slowWorkflowWithoutPreviews(6, 1.5))
    await waitFor(() => handle.task?.state === 'running', 'the task to run')

    await sim.goDown() // the socket drops; the client's probe is refused: the outage starts
    await waitFor(() => client.unreachableSince !== null, 'the outage to start')
    sim.setBlackHole(true) // back, but what arrives now is accepted and never answered
    await sim.comeUp()
    await waitFor(() => sim.requests.length > 0 && client.log.some(e => e.kind === 'socket-closed'), 'the client to try again')
    await sleep(300)
    sim.setBlackHole(false) // answering again, long before maxOutage runs out

    const outcome = await handle.result.then(r => ({ state: 'succeeded', images: r.images.length }), (error: { code?: string }) => ({ state: handle.task?.state, code: error.code }))
    expect(outcome).toEqual({ state: 'succeeded', images: 1 })
    expect(client.log.filter(e => e.kind === 'outage').map(e => e.message)).not.toContainEqual(expect.stringContaining('longer than maxOutage'))
  })

  it('still ends the tasks when the last request gets no answer either', async () => {
    const { sims, urls } = await servers(1)
    const sim = sims[0]!
    const client = nodeClient({ servers: urls, maxOutage: 800, requestTimeout: 8000, healthTimeout: 300 })
    const handle = await client.submit(slowWorkflowWithoutPreviews(6, 1.5))
    await waitFor(() => handle.task?.state === 'running', 'the task to run')
    await sim.goDown()
    await waitFor(() => client.unreachableSince !== null, 'the outage to start')
    sim.setBlackHole(true)
    await sim.comeUp() // accepts and never answers, for good

    const error = await handle.result.then(() => null, (e: { code?: string, reason?: string }) => e)
    expect(error).toMatchObject({ code: 'TASK_LOST', reason: 'server-unreachable' })
    expect(client.log.filter(e => e.kind === 'outage').map(e => e.message)).toContainEqual(expect.stringContaining('longer than maxOutage'))
  })
})
