import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { connect, historyOf, postJson, slowWorkflow, submit } from './helpers'
import { waitFor } from '../helpers/wait'

describe('simulator request log', () => {
  const sims: ComfySimulator[] = []
  afterEach(async () => {
    await Promise.all(sims.splice(0).map(s => s.close()))
  })

  it('records every request with the prompt ids it concerns, and socket opens and closes with their clientId', async () => {
    const s = await createComfySimulator({ speed: 20 })
    sims.push(s)
    const a = await connect(s, 'client-a')
    const done = await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, prefix: 'logged' }), 'client-a')
    await waitFor(async () => (await historyOf(s, done)) !== undefined, 'the prompt to finish', 3000, 5)
    const running = await submit(s, slowWorkflow({ steps: 10, seconds: 10, color: 1 }), 'client-a')
    const pending = await submit(s, slowWorkflow({ steps: 1, seconds: 1, color: 2 }), 'client-a')
    await fetch(`${s.url}/api/jobs/${pending}`)
    await postJson(s, '/queue', { delete: [pending] })
    await postJson(s, '/interrupt', { prompt_id: running })
    await fetch(`${s.url}/view?filename=logged_00001_.png&type=output`)
    await fetch(`${s.url}/system_stats`)
    await fetch(`${s.url}/__sim/silent`, { method: 'POST', body: '{"on":false}' })
    a.close()
    await waitFor(() => s.requests.some(r => r.kind === 'ws-close'), 'the close entry', 3000, 5)

    const log = s.requests
    expect(log.map(r => r.seq)).toEqual(log.map((_, i) => i + 1))
    expect(log.every(r => r.server === s.url && typeof r.time === 'number')).toBe(true)
    expect(log[0]).toMatchObject({ kind: 'ws-open', path: '/ws', query: { clientId: 'client-a' }, clientId: 'client-a', promptIds: [] })
    expect(log.at(-1)).toMatchObject({ kind: 'ws-close', path: '/ws', clientId: 'client-a', promptIds: [] })
    const http = log.filter(r => r.kind === 'http')
    expect(http.map(r => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /prompt 200',
      ...http.filter(r => r.path.startsWith('/history')).map(r => `GET ${r.path} 200`),
      'POST /prompt 200',
      'POST /prompt 200',
      `GET /api/jobs/${pending} 200`,
      'POST /queue 200',
      'POST /interrupt 200',
      'GET /view 200',
      'GET /system_stats 200',
    ])
    const posts = http.filter(r => r.method === 'POST' && r.path === '/prompt')
    expect(posts.map(r => r.promptIds)).toEqual([[done], [running], [pending]])
    expect(posts.every(r => r.clientId === 'client-a')).toBe(true)
    expect(s.requestsFor(pending).map(r => `${r.method} ${r.path}`)).toEqual(['POST /prompt', `GET /api/jobs/${pending}`, 'POST /queue'])
    expect(s.requestsFor(running).map(r => `${r.method} ${r.path}`)).toEqual(['POST /prompt', 'POST /interrupt'])
    expect(s.requestsFor(done).map(r => r.path)).toContain('/view')
    expect(http.find(r => r.path === '/view')?.query).toEqual({ filename: 'logged_00001_.png', type: 'output' })
    expect(http.find(r => r.path === '/system_stats')?.promptIds).toEqual([])
    expect(log.some(r => r.path.startsWith('/__sim'))).toBe(false)
    s.clearLog()
    expect(s.requests).toEqual([])
  })

  it('logs a rejected prompt with the client-supplied id, and a ws without clientId without one', async () => {
    const s = await createComfySimulator({ speed: 20 })
    sims.push(s)
    const anonymous = await connect(s)
    const id = '0b2c4e3f-1d2a-4c5b-9e8f-7a6b5c4d3e2f'
    expect((await postJson(s, '/prompt', { prompt: { 1: { class_type: 'NoSuchNode', inputs: {} } }, prompt_id: id, client_id: 'x' })).status).toBe(400)
    expect(s.requestsFor(id)).toHaveLength(1)
    expect(s.requestsFor(id)[0]).toMatchObject({ status: 400, clientId: 'x' })
    expect(s.requests[0]).toMatchObject({ kind: 'ws-open', query: {} })
    expect(s.requests[0]?.clientId).toBeUndefined()
    anonymous.close()
  })
})
