// The simulator's jobs cancel routes beyond what recording 14 shows: a batch that cancels something, and 0.3.44,
// which has no jobs API at all.
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'

const sims: ComfySimulator[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function sim(version: '0.33.0' | '0.3.44'): Promise<ComfySimulator> {
  const s = await createComfySimulator({ version, speed: 1 })
  sims.push(s)
  return s
}

const slow = (color: number): Record<string, unknown> => ({
  1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 4, seconds: 2, preview: false, progress_text: false } },
  3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'jc' } },
})

async function post(url: string, body: unknown): Promise<{ status: number, json: unknown }> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) })
  return { status: res.status, json: res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : await res.text() }
}

describe('POST /api/jobs/cancel {job_ids}', () => {
  it('answers cancelled: true when one of the ids was pending, and takes it out of the queue (no history)', async () => {
    const s = await sim('0.33.0')
    const running = (await post(`${s.url}/prompt`, { prompt: slow(1) })).json as { prompt_id: string }
    const pending = (await post(`${s.url}/prompt`, { prompt: slow(2) })).json as { prompt_id: string }
    expect(await post(`${s.url}/api/jobs/cancel`, { job_ids: [pending.prompt_id, 'ff6799a5-c034-4526-a4ba-cd729aabd7b6'] })).toEqual({ status: 200, json: { cancelled: true } })
    const listed = await (await fetch(`${s.url}/api/jobs?status=pending,in_progress`)).json() as { jobs: { id: string }[] }
    expect(listed.jobs.map(j => j.id)).toEqual([running.prompt_id])
    expect((await fetch(`${s.url}/api/jobs/${pending.prompt_id}`)).status).toBe(404)
    expect(s.requestsFor(pending.prompt_id).some(r => r.path === '/api/jobs/cancel')).toBe(true)
  })
})

describe('ComfyUI 0.3.44', () => {
  it('has no jobs cancel routes: 404, as for any unknown route', async () => {
    const s = await sim('0.3.44')
    expect(await post(`${s.url}/api/jobs/ff6799a5-c034-4526-a4ba-cd729aabd7b6/cancel`, {})).toEqual({ status: 404, json: '404: Not Found' })
    expect(await post(`${s.url}/api/jobs/cancel`, { job_ids: [] })).toEqual({ status: 404, json: '404: Not Found' })
  })
})
