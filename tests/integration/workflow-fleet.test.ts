import { afterEach, describe, expect, it } from 'vitest'
import { watch } from 'vue'
import type { ComfyWorkflow } from '../../src/index'
import { defineWorkflow, isComfyTetherError, useComfyServerApi } from '../../src/index'
import type { ComfySimulator } from '../../src/testing/index'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const sims: ComfySimulator[] = []
afterEach(async () => {
  unmountAll()
  await Promise.all(sims.splice(0).map(s => s.close()))
})

const ALL_BUT_UPSCALE = ['LoadImage', 'ImageInvert', 'ImageScale', 'EmptyImage', 'SaveImage', 'PreviewImage', 'TestSlowProgress', 'TestFail']

/** A mixed fleet: `withModel` has the upscale model, `noModel` has the nodes but no model, `noNodes` lacks the upscale nodes. */
async function fleet() {
  const withModel = await createComfySimulator({ speed: 4, label: 'with-model', models: { upscale_models: ['4x-UltraSharp.pth'] } })
  const noModel = await createComfySimulator({ speed: 4, label: 'no-model' })
  const noNodes = await createComfySimulator({ speed: 4, label: 'no-nodes', nodes: ALL_BUT_UPSCALE, models: { upscale_models: ['4x-UltraSharp.pth'] } })
  sims.push(withModel, noModel, noNodes)
  return { withModel, noModel, noNodes, urls: [noNodes.url, noModel.url, withModel.url] }
}

function upscaleJson(model = '4x-UltraSharp.pth'): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 4, height: 4, batch_size: 1, color: 0 }, _meta: { title: 'Canvas' } },
    2: { class_type: 'UpscaleModelLoader', inputs: { model_name: model } },
    3: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['2', 0], image: ['1', 0] } },
    4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'up' }, _meta: { title: 'Save' } },
  }
}

const upscale = defineWorkflow(upscaleJson(), { params: { color: 'Canvas.color', prefix: 'Save.filename_prefix' } })

function posts(sim: ComfySimulator): number {
  return sim.requests.filter(r => r.method === 'POST' && r.path === '/prompt').length
}

describe.each(['task', 'session'] as const)('capability placement over a mixed fleet (%s affinity)', (affinity) => {
  it('places a template that needs a model only on the server that has it, and records the values used', async () => {
    const { withModel, noModel, noNodes, urls } = await fleet()
    const { store } = mountComfy({ servers: urls, affinity })
    const handle = await store.submit(upscale, { color: 0x112233, prefix: 'fleet' })
    const result = await handle.result
    expect(result.server).toBe(withModel.url)
    expect(posts(noModel) + posts(noNodes)).toBe(0)
    expect(handle.workflow.value?.values).toEqual({ color: 0x112233, prefix: 'fleet' })
    const [file] = handle.workflow.value?.outputs.files ?? []
    expect(file).toMatchObject({ kind: 'image', nodeId: '4', title: 'Save', type: 'output' })
    expect(file?.filename).toMatch(/^fleet_/)
    expect(file?.url.startsWith(`${withModel.url}/view?`)).toBe(true)
    expect((await fetch(file!.url)).status).toBe(200)
    expect(result.files).toEqual(handle.workflow.value?.outputs.files)
  })

  it('fails with NO_CAPABLE_SERVER naming what each server lacks, before anything is sent', async () => {
    const { withModel, noModel, noNodes, urls } = await fleet()
    const { store } = mountComfy({ servers: urls, affinity })
    const error = await store.submit(upscaleJson('8x-Missing.pth')).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'NO_CAPABLE_SERVER')).toBe(true)
    expect((error as { lacks: Record<string, string[]> }).lacks).toEqual({
      [withModel.url]: ['model_name "8x-Missing.pth" (node 2)'],
      [noModel.url]: ['model_name "8x-Missing.pth" (node 2)'],
      [noNodes.url]: ['node type UpscaleModelLoader', 'node type ImageUpscaleWithModel'],
    })
    expect(posts(withModel) + posts(noModel) + posts(noNodes)).toBe(0)
    expect(store.pendingCount).toBe(0)
  })

  it('fails with WORKFLOW_INVALID_FOR_SERVER listing every problem, before anything is sent', async () => {
    const { withModel, urls } = await fleet()
    const { store } = mountComfy({ servers: urls, affinity })
    const wf = upscaleJson()
    wf['1']!.inputs.width = 0
    wf['1']!.inputs.batch_size = 'two'
    const error = await store.submit(wf).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'WORKFLOW_INVALID_FOR_SERVER')).toBe(true)
    expect((error as { server: string }).server).toBe(withModel.url)
    expect((error as { problems: { input: string, kind: string }[] }).problems.map(p => [p.input, p.kind])).toEqual([['width', 'out-of-range'], ['batch_size', 'wrong-type']])
    expect(posts(withModel)).toBe(0)
  })

  it('rejects unknown and missing template values with INVALID_WORKFLOW_PARAMS before anything is sent', async () => {
    const { withModel, urls } = await fleet()
    const { store } = mountComfy({ servers: urls, affinity })
    const error = await store.submit(upscale, { color: 1 } as never).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'INVALID_WORKFLOW_PARAMS')).toBe(true)
    expect((error as Error).message).toContain('"prefix" has no value')
    expect(withModel.requests.filter(r => r.kind === 'http')).toEqual([])
  })
})

describe('concurrent first submits (session affinity)', () => {
  it('share one server choice, yet one that fits nowhere fails alone', async () => {
    const { withModel, urls } = await fleet()
    const { store } = mountComfy({ servers: urls, affinity: 'session' })
    const [impossible, possible] = await Promise.allSettled([
      store.submit(upscaleJson('8x-Missing.pth')),
      store.submit(upscale, { color: 5, prefix: 'both' }),
    ])
    expect(impossible.status === 'rejected' && isComfyTetherError(impossible.reason, 'NO_CAPABLE_SERVER')).toBe(true)
    expect(possible.status).toBe('fulfilled')
    const result = await (possible as PromiseFulfilledResult<Awaited<ReturnType<typeof store.submit>>>).value.result
    expect(result.server).toBe(withModel.url)
  })
})

describe('random seeds', () => {
  it('draws \'random\' within the target server\'s range for that input, and records what was sent', async () => {
    const sim = await createComfySimulator({ speed: 8 })
    sims.push(sim)
    const { store } = mountComfy({ servers: [sim.url] })
    const swatch = defineWorkflow(emptyImageWorkflow(), { params: { color: '1.color' } }) // EmptyImage.color: 0 … 16777215
    for (let i = 0; i < 3; i++) {
      const handle = await store.submit(swatch, { color: 'random' })
      await handle.result
      const color = handle.workflow.value?.values.color as number
      expect(color).toBeGreaterThanOrEqual(0)
      expect(color).toBeLessThanOrEqual(0xFFFFFF)
      expect(handle.workflow.value?.seeds).toEqual({ '1.color': color })
      const sent = sim.requests.find(r => r.method === 'POST' && r.path === '/prompt' && r.promptIds.includes(handle.promptId))
      expect(sent).toBeDefined()
      const entry = await (await fetch(`${sim.url}/history/${handle.promptId}`)).json() as Record<string, { prompt: [number, string, Record<string, { inputs: { color: number } }>] }>
      expect(entry[handle.promptId]?.prompt[2]['1']?.inputs.color).toBe(color)
    }
  })
})

describe('the locked server must be capable (session affinity)', () => {
  it('refuses a workflow the locked server cannot run without breaking the lock', async () => {
    const { withModel, noModel, urls } = await fleet()
    const { store } = mountComfy({ servers: urls, affinity: 'session', strategy: candidates => candidates.find(c => c.url === noModel.url && c.healthy)?.url })
    const pending = await store.submit(slowWorkflow(4, 0.8))
    expect(store.lock?.server).toBe(noModel.url)
    const sinceLock = withModel.requests.at(-1)?.seq ?? 0
    const error = await store.submit(upscale, { color: 0, prefix: 'x' }).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'NO_CAPABLE_SERVER')).toBe(true)
    expect((error as { lockedServer: string }).lockedServer).toBe(noModel.url)
    expect((error as Error).message).toContain('The lock is kept')
    expect(store.lock?.server).toBe(noModel.url)
    expect(withModel.requests.filter(r => r.seq > sinceLock)).toEqual([])
    expect((await pending.result).server).toBe(noModel.url)
  })
})

describe('one progress bar, queue position and ETA', () => {
  it('rises monotonically to 1 over the whole workflow and shows the queue position while queued', async () => {
    const sim = await createComfySimulator({ speed: 4 })
    sims.push(sim)
    const { store } = mountComfy({ servers: [sim.url] })
    const first = await store.submit(slowWorkflow(4, 1.2))
    const second = await store.submit(slowWorkflow(4, 1.2, 0x101010))
    const seen: number[] = []
    const positions: (number | null)[] = []
    const stop = watch(() => second.workflow.value, (view) => {
      if (view) {
        seen.push(view.progress)
        positions.push(view.queuePosition)
      }
    }, { immediate: true })
    await waitFor(() => second.workflow.value?.queuePosition === 1, 'the second task to be second in the queue')
    await Promise.all([first.result, second.result])
    stop()
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!)
    expect(seen.some(p => p > 0 && p < 1)).toBe(true)
    expect(second.workflow.value).toMatchObject({ progress: 1, nodesDone: 3, nodesTotal: 3, queuePosition: null, eta: null })
    expect(positions).toContain(1)
  })

  it('estimates the end from the last run of the same workflow on the same server', async () => {
    const sim = await createComfySimulator({ speed: 4 })
    sims.push(sim)
    const { store } = mountComfy({ servers: [sim.url] })
    /** Every (progress, eta) the task showed while it ran. */
    const run = async (color: number): Promise<{ progress: number, eta: number | null }[]> => {
      const handle = await store.submit(slowWorkflow(4, 0.8, color))
      const views: { progress: number, eta: number | null }[] = []
      const stop = watch(() => handle.workflow.value, (view) => {
        if (view && handle.task.value?.state === 'running')
          views.push({ progress: view.progress, eta: view.eta })
      }, { flush: 'sync' })
      await handle.result
      stop()
      return views
    }
    const first = await run(1)
    // No past run: an estimate only from 5% progress on, extrapolated.
    expect(first.filter(v => v.eta !== null).every(v => v.progress >= 0.05)).toBe(true)
    const before = Date.now()
    const second = await run(2)
    // A past run of the same workflow there: an estimate from the start.
    const atStart = second.find(v => v.progress === 0 && v.eta !== null)
    expect(atStart).toBeDefined()
    expect(atStart!.eta!).toBeGreaterThan(before)
    const other = await store.submit(emptyImageWorkflow())
    await other.result
    expect(other.workflow.value?.progress).toBe(1)
  })
})

describe('the /object_info cache', () => {
  it('reads only the classes a workflow uses, once while the lock holds, and again after the server restarts', async () => {
    const sim = await createComfySimulator({ speed: 8 })
    sims.push(sim)
    const { store } = mountComfy({ servers: [sim.url] })
    const reads = (): string[] => sim.requests.filter(r => r.method === 'GET' && r.path.startsWith('/object_info')).map(r => r.path)
    const slow = await store.submit(slowWorkflow(8, 4)) // keeps the lock, so the socket reconnects after the restart
    slow.result.catch(() => {})
    await waitFor(() => store.socket.status === 'OPEN', 'the socket to open')
    const once = reads()
    expect([...once].sort()).toEqual(['/object_info/EmptyImage', '/object_info/SaveImage', '/object_info/TestSlowProgress'])
    const queued = await store.submit(emptyImageWorkflow(1))
    queued.result.catch(() => {})
    expect(reads()).toEqual(once) // believed: the socket watching the server has stayed open since
    const beforeRestart = sim.requests.at(-1)?.seq ?? 0
    await sim.restart()
    await waitFor(() => sim.requests.some(r => r.kind === 'ws-open' && r.seq > beforeRestart) && store.socket.status === 'OPEN', 'the socket to reconnect')
    await (await store.submit(emptyImageWorkflow(3))).result
    expect(new Set(reads().slice(once.length))).toEqual(new Set(['/object_info/EmptyImage', '/object_info/SaveImage']))
  })

  it('reads a server again on store.refreshNodeInfo(), e.g. after a model was copied onto it', async () => {
    const sim = await createComfySimulator({ speed: 8 })
    sims.push(sim)
    const { store } = mountComfy({ servers: [sim.url] })
    expect(await store.canRunOn(upscale)).toEqual({ [sim.url]: ['model_name "4x-UltraSharp.pth" (node 2)'] })
    sim.addModel('upscale_models', '4x-UltraSharp.pth')
    await store.refreshNodeInfo(sim.url)
    expect(await store.canRunOn(upscale)).toEqual({ [sim.url]: [] })
  })

  it('tells per server whether a workflow can run there and why not', async () => {
    const { withModel, noModel, noNodes, urls } = await fleet()
    const { store } = mountComfy({ servers: urls, affinity: 'task' })
    expect(await store.canRunOn(upscale)).toEqual({
      [noNodes.url]: ['node type UpscaleModelLoader', 'node type ImageUpscaleWithModel'],
      [noModel.url]: ['model_name "4x-UltraSharp.pth" (node 2)'],
      [withModel.url]: [],
    })
  })
})

describe('useComfyServerApi', () => {
  it('reads a server\'s models through the store, and refuses another server while the session lock holds', async () => {
    const { withModel, noModel, urls } = await fleet()
    const { app, store } = mountComfy({ servers: urls, affinity: 'session', strategy: candidates => candidates.find(c => c.url === withModel.url && c.healthy)?.url })
    const api = app.runWithContext(() => useComfyServerApi())
    expect(await api.models(noModel.url, 'upscale_models')).toEqual([])
    const pending = await store.submit(slowWorkflow(4, 0.8))
    expect(await api.models(withModel.url, 'upscale_models')).toEqual(['4x-UltraSharp.pth'])
    const error = await api.models(noModel.url, 'upscale_models').catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'SERVER_MISMATCH')).toBe(true)
    await pending.result
  })

  it('reads any spelling of a configured server, and refuses one that is not configured before sending', async () => {
    const { withModel, urls } = await fleet()
    const { app } = mountComfy({ servers: urls })
    const api = app.runWithContext(() => useComfyServerApi())
    expect(await api.models(`${withModel.url.replace(/^http:/, 'HTTP:')}/`, 'upscale_models')).toEqual(['4x-UltraSharp.pth'])
    expect(Object.keys(await api.objectInfo(`${withModel.url}/api/`, 'SaveImage'))).toEqual(['SaveImage'])
    await expect(api.models('http://127.0.0.1:1', 'upscale_models')).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' })
    await expect(api.objectInfo('http://127.0.0.1:1')).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' })
  })
})
