// A cancel while the first POST /prompt to a server is in flight: the client does not know yet whether that server
// keeps the prompt id it minted (servers before 0.3.45 mint their own), and the answer may come only after the
// prompt has run. The cancel must still reach the server under the minted id (a cancel by id or a delete of an
// unknown id is harmless), not wait for an answer that comes too late.
import { describe, expect, it } from 'vitest'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

describe('cancel while the first POST /prompt is in flight', () => {
  it('interrupts or deletes the prompt on the server under its minted id, and the task ends cancelled', async () => {
    const { sims, urls } = await servers(1)
    const sim = sims[0]!
    const client = nodeClient({ servers: urls, healthTimeout: 4000 }) // its GET /prompt health check is delayed too
    sim.delayResponses(1500, '/prompt') // the answer comes after the prompt has started running
    const handle = await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    await waitFor(() => sim.requests.some(r => r.method === 'POST' && r.path === '/prompt'), 'the POST /prompt to arrive')
    await client.cancel(handle.promptId)
    const error = await handle.result.then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'TASK_CANCELLED' })
    expect(client.tasks.get(handle.promptId)?.state).toBe('cancelled')
    const cancels = sim.requestsFor(handle.promptId).filter(r => r.method === 'POST' && (r.path === '/interrupt' || r.path === '/queue' || r.path === `/api/jobs/${handle.promptId}/cancel`))
    expect(cancels.length).toBeGreaterThan(0)
  })
})
