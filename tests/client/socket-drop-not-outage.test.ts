// Issue #20: a dropped socket is not a dead server, and a black-holed server's tasks end at maxOutage counted from its
// last answer. Real sockets over loopback against the simulator, in plain Node with `ws`.
import type { ComfyClient } from 'comfy-tether/client'
import { describe, expect, it } from 'vitest'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

/** Every value `unreachableSince` took while the client ran (read after each change). */
function watchOutages(client: ComfyClient): { seen: (number | null)[] } {
  const seen: (number | null)[] = []
  client.subscribe(() => {
    if (client.unreachableSince !== null)
      seen.push(client.unreachableSince)
  })
  return { seen }
}

describe('a dropped socket while HTTP answers', () => {
  it('is no outage: submits made while the socket reconnects run on the locked server', async () => {
    const { sims, urls } = await servers(2)
    // The reconnect waits 400 ms, so that the submits below are made while the socket is down.
    const client = nodeClient({ servers: urls, strategy: 'first-healthy', reconnect: { baseDelay: 400, maxDelay: 400, jitter: 'none' } })
    const holder = await client.submit(slowWorkflowWithoutPreviews(10, 3))
    await waitFor(() => holder.task?.state === 'running', 'the holder to run')
    const [a, b] = sims as [typeof sims[0], typeof sims[0]]
    expect(holder.task?.server).toBe(a.url)
    const { seen } = watchOutages(client)
    a.dropSockets()
    await waitFor(() => client.socket.status !== 'OPEN', 'the drop to be seen')
    const outcomes: Promise<string>[] = []
    // The first submit is made at once, while the socket is down (it then opens the socket without waiting for the
    // backoff); the others follow while it reconnects and after.
    for (const wait of [0, 20, 80, 200]) {
      await sleep(wait)
      outcomes.push(client.submit(emptyImageWorkflow(0x101010 + wait, `drop${wait}`)).then(
        async handle => `${(await handle.result).server === a.url ? 'ran on the locked server' : 'ran elsewhere'}`,
        (error: { code?: string }) => `refused: ${error.code}`,
      ))
    }
    expect(await Promise.all(outcomes)).toEqual(Array.from({ length: 4 }, () => 'ran on the locked server'))
    await holder.result
    expect(seen).toEqual([])
    expect(client.log.filter(e => e.kind === 'outage')).toEqual([])
    expect(b.requests.filter(r => r.method === 'POST')).toEqual([])
  })
})

describe('maxOutage', () => {
  it('ends a black-holed server\'s tasks as soon after its last answer as a refusing server\'s', async () => {
    const { sims, urls } = await servers(2)
    const [refusing, hole] = sims as [typeof sims[0], typeof sims[0]]
    const options = { maxOutage: 1500, requestTimeout: 1000, healthTimeout: 1000, reconcile: { interval: 150, lostGrace: 60_000 } }
    const refusingClient = nodeClient({ ...options, servers: [urls[0]!] })
    const holeClient = nodeClient({ ...options, servers: [urls[1]!] })
    // A progress frame every 100 ms: each server's last answer is just before its fault.
    const onRefusing = await refusingClient.submit(slowWorkflowWithoutPreviews(200, 20))
    const onHole = await holeClient.submit(slowWorkflowWithoutPreviews(200, 20))
    await waitFor(() => onRefusing.task?.state === 'running' && onHole.task?.state === 'running', 'both tasks to run')

    /** Ms from the fault until the task ended lost (the server answered last at or before the fault). */
    const lostAfter = async (handle: typeof onHole, fault: () => Promise<void> | void): Promise<number> => {
      const at = Date.now()
      await fault()
      const error = await handle.result.then(() => undefined, (e: unknown) => e)
      expect(error).toMatchObject({ code: 'TASK_LOST', reason: 'server-unreachable' })
      return Date.now() - at
    }
    const [refused, blackHoled] = await Promise.all([
      lostAfter(onRefusing, () => refusing.goDown()),
      lostAfter(onHole, () => {
        hole.setSilent(true) // its open socket goes quiet too: nothing comes back from the host
        hole.setBlackHole(true)
      }),
    ])
    expect(refused).toBeGreaterThanOrEqual(1200) // maxOutage (1.5 s) after an answer at most a poll interval old
    // Before the fix the black hole took maxOutage + the silent socket's detection + requestTimeout (≈ 1.2 s more).
    expect(blackHoled).toBeLessThanOrEqual(refused + 400)
    hole.setBlackHole(false)
  })
})

// Found by the chaos run (300 tasks): a short outage, then a short black hole as the server came back. The client's
// poll and socket reconnect went into the black hole and hung there (a request until requestTimeout, the upgrade for
// good), so nothing fresh was asked of the server while the outage clock, counting from the last answer, ran out: the
// running tasks were lost at maxOutage although the server had answered again for seconds. maxOutage ends tasks only
// once a request sent when it ran out gets no answer either.
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
