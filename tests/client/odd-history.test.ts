// Issue #20: odd but real /history answers end the task, never leave it pending. Custom nodes write Python's `None`
// into their UI output (a `null` output, an image whose `subfolder` is `null`); a broken server answers 5xx or an
// entry that cannot be read for a prompt the socket said succeeded.
import { describe, expect, it } from 'vitest'
import { HISTORY_ERROR_RETRY_MS } from '../../src/client/history-failure'
import { emptyImageWorkflow } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

type Entry = Record<string, unknown> & { outputs: Record<string, unknown> }

describe('a history entry with Python None in it', () => {
  it('succeeds with the other outputs when one output node\'s output is null', async () => {
    const { sims, urls } = await servers(1)
    sims[0]!.editHistory((entry) => {
      (entry as Entry).outputs['9'] = null
      return entry
    })
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(emptyImageWorkflow(0x102030))
    const result = await handle.result
    expect(Object.keys(result.outputs)).toEqual(['2'])
    expect(result.images).toHaveLength(1)
    expect(handle.task?.state).toBe('succeeded')
  })

  it('succeeds and reads an image whose subfolder is null as the top folder', async () => {
    const { sims, urls } = await servers(1)
    sims[0]!.editHistory((entry) => {
      for (const output of Object.values((entry as Entry).outputs)) {
        for (const image of (output as { images?: Record<string, unknown>[] }).images ?? [])
          image.subfolder = null
      }
      return entry
    })
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(emptyImageWorkflow(0x203040))
    const result = await handle.result
    expect(result.images).toHaveLength(1)
    expect(result.images[0]!.subfolder).toBe('')
    const response = await fetch(result.imageUrls[0]!)
    expect(response.status).toBe(200)
  })
})

describe('a history the client cannot use after execution_success', () => {
  it('fails the task with REQUEST_FAILED and the status after bounded retries when /history answers 500', async () => {
    const { sims, urls } = await servers(1)
    // Long reconcile interval and grace: only the success path's own retries may end the task.
    const client = nodeClient({ servers: urls, reconcile: { interval: 60_000, lostGrace: 60_000 } })
    sims[0]!.failNext('/history', 1000, 500)
    const handle = await client.submit(emptyImageWorkflow(0x304050))
    await expect(handle.result).rejects.toMatchObject({ code: 'REQUEST_FAILED', status: 500 })
    expect(handle.task?.state).toBe('failed')
    expect(handle.task?.error?.message).toContain('HTTP 500')
    const reads = sims[0]!.requests.filter(r => r.kind === 'http' && r.path.startsWith('/history/')).length
    expect(reads).toBe(HISTORY_ERROR_RETRY_MS.length + 1)
    await waitFor(() => client.lock === null, 'the release')
  })

  it('fails the task with PROTOCOL_ERROR naming the bad field when the entry cannot be read', async () => {
    const { sims, urls } = await servers(1)
    const client = nodeClient({ servers: urls, reconcile: { interval: 60_000, lostGrace: 60_000 } })
    sims[0]!.editHistory(entry => ({ ...entry, outputs: 'not outputs' }))
    const handle = await client.submit(emptyImageWorkflow(0x405060))
    await expect(handle.result).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' })
    expect(handle.task?.state).toBe('failed')
    expect(handle.task?.error?.message).toContain('.outputs is not an object')
  })

  it('fails the task by reconcile, without the socket, when /history keeps answering 500', async () => {
    const { sims, urls } = await servers(1)
    const client = nodeClient({ servers: urls, reconcile: { interval: 100, lostGrace: 60_000 } })
    sims[0]!.setSilent(true)
    sims[0]!.failNext('/history', 1000, 500)
    const handle = await client.submit(emptyImageWorkflow(0x506070))
    await expect(handle.result).rejects.toMatchObject({ code: 'REQUEST_FAILED', status: 500 })
    expect(handle.task?.state).toBe('failed')
  })
})
