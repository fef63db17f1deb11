// From the chaos run (300 tasks, seed 4, not reproduced since): a task never POSTed successfully ended lost
// ('not-on-server'). One path there: the first POST /prompt to a server got an ambiguous failure (a gateway's 502, no
// answer), the prompt was on neither /queue nor /history, and before sending it again the client asks GET /features
// whether the server keeps client-minted ids; that check got no answer either, and the task was lost at once although
// the server was only briefly unreachable. An unanswered check is looked at again, as an unanswered resend is.
import { describe, expect, it } from 'vitest'
import { emptyImageWorkflow } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

describe('the check before a resend', () => {
  it('gets no answer: the task waits and is sent once the server answers, not lost', async () => {
    const { sims, urls } = await servers(1)
    const sim = sims[0]!
    const client = nodeClient({ servers: urls, affinity: 'task', requestTimeout: 600, reconcile: { interval: 100, lostGrace: 200 }, maxOutage: 20_000 })
    await client.refreshServers() // health known: the submit goes straight to its POST
    sim.failNext('/prompt', 1, 502) // the POST: a gateway's 502, so the client cannot know whether it arrived
    sim.delayResponses(60_000, '/features') // the check before a resend: no answer
    const handle = await client.submit(emptyImageWorkflow())
    await waitFor(() => client.log.some(e => e.promptId === handle.promptId && e.message.includes('got no answer')), 'the POST to go unanswered')
    await waitFor(() => sim.requests.some(r => r.path === '/features'), 'the check before the resend')
    sim.delayResponses(0, '/features') // later checks are answered; the one held now still times out (requestTimeout)
    const outcome = await handle.result.then(() => 'succeeded', (e: { code?: string, reason?: string }) => `${e.code} ${e.reason}`)
    // The 502 was answered before the simulator read the body, so its log names only the resend.
    expect({ outcome, posts: sim.requestsFor(handle.promptId).filter(r => r.method === 'POST' && r.path === '/prompt').length })
      .toEqual({ outcome: 'succeeded', posts: 1 })
  })
})
