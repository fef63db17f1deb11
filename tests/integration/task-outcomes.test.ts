import { afterEach, describe, expect, it } from 'vitest'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, failingWorkflow, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  unmountAll()
  await closeSims?.()
  closeSims = undefined
})

async function one(speed = 1) {
  const started = await startSimulators(1, { speed })
  closeSims = started.close
  return { sim: started.sims[0]!, url: started.urls[0]! }
}

describe('how tasks end', () => {
  it('fails with ExecutionFailedError when a node raises', async () => {
    const { url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const handle = await store.submit(failingWorkflow('out of cheese'))
    const error = await handle.result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'EXECUTION_FAILED', nodeId: '2', nodeType: 'TestFail', server: url })
    expect((error as Error).message).toContain('out of cheese')
    expect(handle.task.value?.state).toBe('failed')
    await waitFor(() => store.lock === null, 'the release')
  })

  it('fails with PromptRejectedError carrying node_errors on a 400', async () => {
    const { url } = await one()
    const { store } = mountComfy({ servers: [url] })
    // validate: false, so that the server's own answer is what the task gets
    const handle = await store.submit({ 1: { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } } }, { validate: false })
    const error = await handle.result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'PROMPT_REJECTED', errorType: 'prompt_outputs_failed_validation' })
    expect(Object.keys((error as { nodeErrors: object }).nodeErrors)).toEqual(['1'])
    expect((error as Error).message).toContain('node 1 (SaveImage)')
    expect(handle.task.value?.state).toBe('failed')
  })

  it('rejects an unknown node type as the server does', async () => {
    const { url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const error = await (await store.submit({ 1: { class_type: 'NoSuchNode', inputs: {} } }, { validate: false })).result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'PROMPT_REJECTED', errorType: 'missing_node_type' })
  })

  it('ends interrupted when someone else interrupts it', async () => {
    const { url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.progress, 'progress')
    await fetch(`${url}/interrupt`, { method: 'POST' })
    const error = await handle.result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TASK_INTERRUPTED' })
    expect(handle.task.value?.state).toBe('interrupted')
  })

  it('cancels a running task by interrupting it (by id) on its server', async () => {
    const { sim, url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.progress, 'progress')
    await store.cancel(handle.promptId)
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    expect(handle.task.value?.state).toBe('cancelled')
    expect(sim.requests.some(r => r.path === `/api/jobs/${handle.promptId}/cancel`)).toBe(true)
  })

  it('cancels a queued task by taking it (by id) out of the queue; it never runs', async () => {
    const { sim, url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const first = await store.submit(slowWorkflow(8, 2))
    const second = await store.submit(emptyImageWorkflow())
    await waitFor(() => second.task.value?.state === 'queued', 'queued')
    await store.cancel(second.promptId)
    await expect(second.result).rejects.toMatchObject({ code: 'TASK_CANCELLED' })
    await first.result
    const history = await (await fetch(`${url}/history/${second.promptId}`)).json()
    expect(history).toEqual({})
    expect(sim.requests.some(r => r.method === 'POST' && r.path === `/api/jobs/${second.promptId}/cancel`)).toBe(true)
  })

  it('shows progress and the latest preview on the right task', async () => {
    const { url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const handle = await store.submit(slowWorkflow(6, 1.2))
    await waitFor(() => (handle.task.value?.progress?.value ?? 0) >= 2, 'progress 2')
    expect(handle.task.value?.progress).toMatchObject({ max: 6, node: '2' })
    await waitFor(() => handle.task.value?.preview, 'a preview')
    expect(handle.task.value!.preview!.mime).toMatch(/^image\//)
    expect(store.previewUrls.get(handle.promptId)).toMatch(/^blob:/)
    await handle.result
  })

  it('ignores frames about other clients\' prompts', async () => {
    const { url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const mine = await store.submit(slowWorkflow(4, 0.8))
    // Another client's prompt on the same server, with our clientId's socket open: its events go elsewhere, and
    // even a forged frame about it must not create or touch a task here.
    await fetch(`${url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: emptyImageWorkflow(5), client_id: 'other' }) })
    await mine.result
    expect([...store.tasks.keys()]).toEqual([mine.promptId])
  })

  it('counts and logs malformed frames without throwing', async () => {
    const { sim, url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const handle = await store.submit(slowWorkflow(6, 1.2))
    await waitFor(() => store.socket.status === 'OPEN', 'socket')
    // bad-binary has an unknown event type: ignored like any future frame type, not counted as malformed
    for (const kind of ['invalid-json', 'missing-data', 'bad-binary', 'truncated-binary'] as const) sim.sendMalformedFrame(kind, store.clientId)
    await waitFor(() => store.malformedFrames >= 3, '3 malformed frames')
    expect(store.log.filter(e => e.kind === 'malformed')).toHaveLength(3)
    const result = await handle.result
    expect(result.images).toHaveLength(1)
  })
})

describe('from real ComfyUI', () => {
  it('keeps the trailing newline of exceptionMessage, as ComfyUI sends it', async () => {
    const { url } = await one()
    const { store } = mountComfy({ servers: [url] })
    const error = await (await store.submit(failingWorkflow('out of cheese'))).result.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'EXECUTION_FAILED', exceptionMessage: 'out of cheese\n' })
  })
})
