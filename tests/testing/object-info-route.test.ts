// GET /object_info/{node_class}: the per-class route a client reads node info through, answered as ComfyUI 0.33.0
// answered it (recorded in 14_jobs_api.json): one class's entry, `{}` for a class the server lacks, under /api too.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { ComfySimulator } from '../../src/testing/index'
import { createComfySimulator } from '../../src/testing/index'

interface RecordedHttp { http?: { request: { method: string, path: string }, response: { status: number, content_type: string, json: unknown } } }
const RECORDED = (JSON.parse(readFileSync(new URL('../fixtures/comfyui/v0.33.0-783545f-cpu/14_jobs_api.json', import.meta.url), 'utf8')) as { events: RecordedHttp[] }).events
function recorded(path: string): { status: number, content_type: string, json: unknown } {
  const found = RECORDED.find(e => e.http?.request.method === 'GET' && e.http.request.path === path)?.http?.response
  if (!found)
    throw new Error(`no recorded GET ${path}`)
  return found
}

const sims: ComfySimulator[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function get(sim: ComfySimulator, path: string): Promise<{ status: number, type: string | null, json: unknown }> {
  const response = await fetch(sim.url + path)
  return { status: response.status, type: response.headers.get('content-type'), json: await response.json() }
}

describe('GET /object_info/{node_class}', () => {
  it.each(['/object_info', '/api/object_info'])('answers one class\'s recorded entry, and {} for a class it lacks (%s)', async (prefix) => {
    const sim = await createComfySimulator({ version: '0.33.0' })
    sims.push(sim)
    for (const name of ['EmptyImage', 'NoSuchNodeClass']) {
      const real = recorded(`/object_info/${name}`)
      expect(await get(sim, `${prefix}/${name}`)).toEqual({ status: real.status, type: real.content_type, json: real.json })
    }
  })

  it('answers {} for a class that is not installed there, and the entry once a restart installs it', async () => {
    const sim = await createComfySimulator({ nodes: ['SaveImage'] })
    sims.push(sim)
    expect((await get(sim, '/object_info/EmptyImage')).json).toEqual({})
    await sim.restart({ nodes: ['SaveImage', 'EmptyImage'] })
    expect((await get(sim, '/object_info/EmptyImage')).json).toEqual(recorded('/object_info/EmptyImage').json)
  })
})
