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
