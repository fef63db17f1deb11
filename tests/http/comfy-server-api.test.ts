import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { createComfyHttp } from '../../src/http/create-comfy-http'
import { createComfyServerApi } from '../../src/http/comfy-server-api'
import type { ComfySimulator, ComfySimulatorOptions } from '../../src/testing/index'
import { createComfySimulator } from '../../src/testing/index'
import { sleep } from '../helpers/wait'

const sims: ComfySimulator[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map(s => s.close()))
})
async function sim(options: ComfySimulatorOptions = {}): Promise<ComfySimulator> {
  const s = await createComfySimulator(options)
  sims.push(s)
  return s
}

function apiFor(servers: string[], locked?: string) {
  const { http } = createComfyHttp({ lockedServer: () => locked, taskServer: () => undefined, servers: () => servers })
  return createComfyServerApi(http)
}

describe('createComfyServerApi against the simulator', () => {
  it('reads /object_info (all and per node), /models, /models/{folder}, /embeddings and /system_stats', async () => {
    const s = await sim({ nodes: ['EmptyImage', 'SaveImage', 'UpscaleModelLoader'], models: { upscale_models: ['2x.pth'], embeddings: ['neg.pt'] } })
    const api = apiFor([s.url])
    expect(Object.keys(await api.objectInfo(s.url))).toEqual(['EmptyImage', 'SaveImage', 'UpscaleModelLoader'])
    expect((await api.objectInfo(s.url, 'SaveImage')).SaveImage?.output_node).toBe(true)
    expect(await api.objectInfo(s.url, 'ImageInvert')).toEqual({})
    expect(await api.modelFolders(s.url)).toContain('upscale_models')
    expect(await api.models(s.url, 'upscale_models')).toEqual(['2x.pth'])
    expect(await api.embeddings(s.url)).toEqual(['neg'])
    expect((await api.systemStats(s.url)).system.comfyui_version).toBe('0.33.0')
  })

  it('fails /models/{folder} of an unknown folder with REQUEST_FAILED (404)', async () => {
    const s = await sim()
    const error = await apiFor([s.url]).models(s.url, 'nope').catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'REQUEST_FAILED')).toBe(true)
    expect(error).toMatchObject({ status: 404, operation: 'GET /models/nope' })
  })

  it('POSTs /free with both flags', async () => {
    const s = await sim()
    await apiFor([s.url]).free(s.url, { unloadModels: true, freeMemory: false })
    expect(s.requests.filter(r => r.path === '/free').map(r => [r.method, r.status])).toEqual([['POST', 200]])
  })

  it('lists history with max_items and jobs with their query', async () => {
    const s = await sim()
    const api = apiFor([s.url])
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${s.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: { 1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: i } }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'h' } } } }) })
      expect(res.status).toBe(200)
    }
    while (Object.keys(await api.historyList(s.url)).length < 3)
      await sleep(20)
    expect(Object.keys(await api.historyList(s.url, { maxItems: 2 }))).toHaveLength(2)
    expect(s.requests.some(r => r.path === '/history' && r.query?.max_items === '2')).toBe(true)
    const jobs = await api.jobs(s.url, { status: ['completed'], limit: 2 })
    expect(jobs?.jobs).toHaveLength(2)
    expect(jobs?.pagination).toMatchObject({ limit: 2, total: 3, has_more: true })
    const [first] = jobs?.jobs ?? []
    expect((await api.job(s.url, first?.id ?? ''))?.status).toBe('completed')
    expect(await api.job(s.url, '00000000-0000-4000-8000-000000000000')).toBeNull()
    expect(await api.features(s.url)).toMatchObject({ supports_preview_metadata: true })
  })

  it('answers null for /features and /api/jobs on a 0.3.44 server, which has neither', async () => {
    const s = await sim({ version: '0.3.44' })
    const api = apiFor([s.url])
    expect(await api.features(s.url)).toBeNull()
    expect(await api.jobs(s.url)).toBeNull()
    expect(await api.job(s.url, 'x')).toBeNull()
  })

  it('refuses a call to another server while locked, before anything is sent', async () => {
    const a = await sim()
    const b = await sim()
    const api = apiFor([a.url, b.url], a.url)
    for (const call of [() => api.objectInfo(b.url), () => api.models(b.url, 'loras'), () => api.free(b.url), () => api.historyList(b.url, { maxItems: 1 })]) {
      const error = await call().catch((e: unknown) => e)
      expect(isComfyTetherError(error, 'SERVER_MISMATCH')).toBe(true)
    }
    expect(b.requests.filter(r => r.kind === 'http')).toEqual([])
    expect(Object.keys(await api.objectInfo(a.url)).length).toBeGreaterThan(0)
  })
})
