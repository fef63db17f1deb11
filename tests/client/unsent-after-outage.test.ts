// A task whose POST /prompt was refused (the server went down just before it) waits, unsent, for the server to answer
// again. Nothing of it is on the server to reconcile, so the client must still ask the server whether it is back: it
// may not count on the socket reopening in time (here its reconnect backoff is longer than maxOutage).
import type { AxiosAdapter } from 'axios'
import axios from 'axios'
import { describe, expect, it } from 'vitest'
import { emptyImageWorkflow } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

describe('a submit refused by a briefly down server', () => {
  it('is sent once the server answers again, without waiting for the socket to reconnect', async () => {
    const { sims, urls } = await servers(1)
    const sim = sims[0]!
    // The first POST /prompt waits at this gate, so that the server can go down between placement and the send.
    let openGate!: () => void
    const gate = new Promise<void>((resolve) => {
      openGate = resolve
    })
    let postsSeen = 0
    const adapter: AxiosAdapter = async (config) => {
      if (config.method === 'post' && config.url?.endsWith('/prompt') && postsSeen++ === 0)
        await gate
      return axios.getAdapter('http')(config)
    }
    const client = nodeClient({
      servers: urls,
      maxOutage: 4000,
      // The socket would reconnect only after maxOutage: recovery must come from asking the server over HTTP.
      reconnect: { baseDelay: 10_000, maxDelay: 10_000, jitter: 'none' },
      socketOpenTimeout: 2000,
      httpConfig: { adapter },
    })
    const handle = await client.submit(emptyImageWorkflow(7), { validate: false })
    await waitFor(() => postsSeen > 0, 'the POST /prompt to reach the gate')
    await sim.goDown()
    await sleep(200) // kept-alive connections closed: the send is refused
    openGate()
    await waitFor(() => client.log.some(e => e.kind === 'outage'), 'the refused POST /prompt to start the outage')
    await sleep(300)
    await sim.comeUp()
    const result = await handle.result
    expect(result.server).toBe(urls[0])
    expect(client.tasks.get(handle.promptId)?.state).toBe('succeeded')
    expect(sim.requestsFor(handle.promptId).filter(r => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1)
  })
})
