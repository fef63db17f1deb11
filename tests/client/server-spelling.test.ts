// Issue #20: the way out of a dead server always works. Every API that takes a server accepts any spelling of a
// configured one (a trailing slash, the case of scheme and host, an `/api` suffix) and refuses one that is not
// configured with a typed error, never a silent no-op.
import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from 'comfy-tether/core'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

/** The same server, spelled as a user might copy it: upper-case scheme, a trailing slash. */
const respell = (url: string): string => `${url.replace(/^http:/, 'HTTP:')}/`

describe('abandon', () => {
  it('gives up a dead locked server named with a trailing slash after LOCKED_SERVER_DOWN', async () => {
    const { sims, urls } = await servers(2)
    const [a, b] = urls as [string, string]
    const client = nodeClient({ servers: urls, strategy: 'first-healthy', maxOutage: 120_000 })
    const running = await client.submit(slowWorkflowWithoutPreviews(8, 4))
    await waitFor(() => running.task?.state === 'running', 'running')
    expect(running.task?.server).toBe(a)
    await sims[0]!.goDown()
    await waitFor(() => client.unreachableSince !== null, 'the outage to be noticed')
    await expect(client.submit(emptyImageWorkflow())).rejects.toMatchObject({ code: 'LOCKED_SERVER_DOWN' })
    client.abandon(respell(a))
    await expect(running.result).rejects.toMatchObject({ code: 'TASK_LOST', reason: 'abandoned' })
    expect(client.lock).toBeNull()
    const next = await client.submit(emptyImageWorkflow(0x404040))
    expect(next.task?.server).toBe(b)
    await next.result
  })

  it('refuses a server that is not configured with INVALID_SERVER_URL, and abandons nothing', async () => {
    const { urls } = await servers(1)
    const client = nodeClient({ servers: urls })
    const running = await client.submit(slowWorkflowWithoutPreviews(4, 0.8))
    let thrown: unknown
    try {
      client.abandon('http://127.0.0.1:1')
    }
    catch (error) {
      thrown = error
    }
    expect(isComfyTetherError(thrown, 'INVALID_SERVER_URL')).toBe(true)
    expect((thrown as Error).message).toContain(urls[0])
    await running.result
  })
})

describe('the other APIs that take a server', () => {
  it('read any spelling of a configured server: release, checkUnlockCondition, objectInfo', async () => {
    const { sims, urls } = await servers(1)
    const url = urls[0]!
    const client = nodeClient({ servers: urls, releaseDelay: 60_000 })
    await (await client.submit(emptyImageWorkflow(0x515151))).result
    expect(client.checkUnlockCondition(respell(url))).toMatchObject({ canUnlock: true })
    client.release(respell(url))
    expect(client.locks).toEqual([])
    const before = sims[0]!.requests.filter(r => r.path === '/object_info').length
    // objectInfo() reads the whole listing on every call (submits read per class): each spelling reads the one server.
    const info = await client.objectInfo(respell(url))
    expect(await client.objectInfo(`${url}/api`)).toEqual(info)
    expect(await client.objectInfo(url)).toEqual(info)
    expect(sims[0]!.requests.filter(r => r.path === '/object_info').length - before).toBe(3)
    await expect(client.objectInfo('http://127.0.0.1:1')).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' })
    expect(() => client.release('http://127.0.0.1:1')).toThrow(/not a configured server/)
  })
})
