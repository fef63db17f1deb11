// Issue #24: a dead server is not silent. Outages are logged when they start and end, each server carries its own
// `unreachableSince`, an app can give up a server down for N seconds, and "no server answers" is one true message.
import type { ComfyClient } from 'comfy-tether/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

afterEach(() => {
  vi.restoreAllMocks()
})

const statusOf = (client: ComfyClient, url: string) => client.servers.find(s => s.url === url)!

describe('an outage in the log', () => {
  it('is printed by the default logger when it starts (warn) and when it ends (info)', async () => {
    const { sims, urls } = await servers(1)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const client = nodeClient({ servers: urls, logger: undefined, maxOutage: 20_000 })
    const handle = await client.submit(slowWorkflowWithoutPreviews(8, 2))
    await waitFor(() => handle.task?.state === 'running', 'running')
    await sims[0]!.goDown()
    await waitFor(() => warn.mock.calls.some(([m]) => String(m).includes('is unreachable')), 'the outage warning')
    expect(warn.mock.calls.find(([m]) => String(m).includes('is unreachable'))![0]).toContain(urls[0])
    await sleep(300)
    await sims[0]!.comeUp()
    await waitFor(() => info.mock.calls.some(([m]) => String(m).includes('answers again')), 'the end of the outage')
    expect(client.log.filter(e => e.kind === 'outage').map(e => e.message)).toEqual([
      expect.stringContaining('is unreachable'),
      expect.stringContaining('answers again'),
    ])
    // The outage ended before maxOutage: the task is not lost (the simulator restarted nothing).
    expect(handle.task?.state).not.toBe('lost')
  })
})

describe('servers[].unreachableSince', () => {
  it('tells each locked server\'s outage, not only the oldest', async () => {
    const { sims, urls } = await servers(2)
    const [a, b] = sims as [typeof sims[0], typeof sims[0]]
    const client = nodeClient({ servers: urls, affinity: 'task', maxTasksPerServer: 1, maxOutage: 20_000 })
    const first = await client.submit(slowWorkflowWithoutPreviews(10, 6))
    const second = await client.submit(slowWorkflowWithoutPreviews(10, 6))
    await waitFor(() => first.task?.state === 'running' && second.task?.state === 'running', 'both running')
    const onA = first.task!.server === a.url ? first : second
    expect(new Set([first.task!.server, second.task!.server])).toEqual(new Set(urls))
    await a.goDown()
    const aSince = await waitFor(() => statusOf(client, a.url).unreachableSince, 'a\'s outage')
    await sleep(50)
    await b.goDown()
    const bSince = await waitFor(() => statusOf(client, b.url).unreachableSince, 'b\'s outage')
    expect(bSince).toBeGreaterThan(aSince)
    expect(client.unreachableSince).toBe(aSince) // the oldest, as before
    await a.comeUp()
    await waitFor(() => statusOf(client, a.url).unreachableSince === null, 'a to answer again')
    expect(statusOf(client, b.url).unreachableSince).toBe(bSince)
    expect(client.unreachableSince).toBe(bSince)
    await b.comeUp()
    await waitFor(() => client.servers.every(s => s.unreachableSince === null), 'both to answer again')
    expect(onA.task?.state).not.toBe('lost')
  })
})

// ── the README recipe "give up a server down for N seconds", run as written ─────────────────────────────────────
/** Abandons a locked server once it has been unreachable for `ms`: its tasks end lost, new ones go elsewhere. */
function giveUpAfter(client: ComfyClient, ms: number): () => void {
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const check = (): void => {
    for (const { url, unreachableSince } of client.servers) {
      if (unreachableSince === null) {
        clearTimeout(timers.get(url))
        timers.delete(url)
      }
      else if (!timers.has(url)) {
        timers.set(url, setTimeout(() => {
          timers.delete(url)
          client.abandon(url)
        }, unreachableSince + ms - Date.now()))
      }
    }
  }
  const off = client.subscribe(event => event.type === 'servers' && check())
  return () => {
    off()
    timers.forEach(timer => clearTimeout(timer))
  }
}
// ────────────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('the recipe "give up a server down for N seconds"', () => {
  it('ends the tasks of a server down that long as abandoned, long before maxOutage, and the app goes on elsewhere', async () => {
    const { sims, urls } = await servers(2)
    const [a, b] = sims as [typeof sims[0], typeof sims[0]]
    const client = nodeClient({ servers: urls, strategy: 'first-healthy', maxOutage: 60_000 })
    const stop = giveUpAfter(client, 500)
    const handle = await client.submit(slowWorkflowWithoutPreviews(10, 10))
    await waitFor(() => handle.task?.state === 'running', 'running')
    expect(handle.task?.server).toBe(a.url)
    await a.goDown()
    const since = await waitFor(() => statusOf(client, a.url).unreachableSince, 'the outage')
    const error = await handle.result.then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'TASK_LOST', reason: 'abandoned', server: a.url })
    expect(Date.now() - since).toBeGreaterThanOrEqual(500)
    expect(client.lock).toBeNull()
    const next = await client.submit(emptyImageWorkflow(0x224466))
    expect(next.task?.server).toBe(b.url)
    await next.result
    stop()
  })
})

describe('no server answers', () => {
  it('says so in one well-punctuated message that promises nothing when no task is pending', async () => {
    const { sims, urls } = await servers(2)
    const client = nodeClient({ servers: urls })
    await Promise.all(sims.map(s => s.goDown()))
    const error = await client.submit(emptyImageWorkflow()).then(() => undefined, (e: unknown) => e) as Error & { pending?: number }
    expect(error).toMatchObject({ code: 'NO_SERVER_AVAILABLE', pending: 0 })
    for (const url of urls) expect(error.message).toContain(`${url}: GET /prompt failed: no answer (ECONNREFUSED)`)
    expect(error.message).not.toMatch(/retries|pending/)
    expect(error.message).not.toMatch(/\.[;,)]|\.\.|\s\./)
    expect(error.message).toMatch(/then try again\.$/)
  })

  it('says that the tasks already pending are followed, when some are', async () => {
    const { sims, urls } = await servers(2)
    const [a, b] = sims as [typeof sims[0], typeof sims[0]]
    const client = nodeClient({ servers: urls, affinity: 'task', strategy: 'first-healthy', maxOutage: 20_000 })
    const handle = await client.submit(slowWorkflowWithoutPreviews(10, 6))
    await waitFor(() => handle.task?.state === 'running', 'running')
    expect(handle.task?.server).toBe(a.url)
    await Promise.all([a.goDown(), b.goDown()])
    await sleep(2100) // the health checks (2 s old) are asked again
    const error = await client.submit(emptyImageWorkflow()).then(() => undefined, (e: unknown) => e) as Error
    expect(error).toMatchObject({ code: 'NO_SERVER_AVAILABLE', pending: 1 })
    expect(error.message).toContain('Nothing new was submitted; the 1 task(s) of this client already pending there stay pending until their server answers again (at most maxOutage).')
    expect(error.message).not.toMatch(/\.[;,)]|\.\.|\s\./)
    expect(handle.task?.state).toBe('running')
  })
})
