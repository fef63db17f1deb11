import type { ComfySimulator, ComfySimulatorOptions } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator, createImage, encodePng, startSimulators } from '../../src/testing/index'
import { connect, getJson, historyOf, postJson, slowWorkflow, submit, upload } from './helpers'
import { sleep, waitFor } from '../helpers/wait'

describe('simulator protocol details', () => {
  const sims: ComfySimulator[] = []
  afterEach(async () => {
    await Promise.all(sims.splice(0).map(s => s.close()))
  })
  async function sim(options: ComfySimulatorOptions = {}): Promise<ComfySimulator> {
    const s = await createComfySimulator({ speed: 20, ...options })
    sims.push(s)
    return s
  }

  it('starts in under 50 ms, and startSimulators() starts several on distinct ports', async () => {
    const t = performance.now()
    const s = await sim()
    expect(performance.now() - t).toBeLessThan(50)
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`)
    expect(s.wsUrl).toBe(`ws://127.0.0.1:${s.port}`)
    expect(s.label).toBe(`sim-${s.port}`)
    const many = await startSimulators(3, i => ({ label: `s${i}`, version: i === 0 ? '0.3.44' : '0.33.0' }))
    expect(new Set(many.urls).size).toBe(3)
    expect(many.sims.map(x => x.label)).toEqual(['s0', 's1', 's2'])
    expect((await fetch(`${many.urls[0]}/features`)).status).toBe(404)
    expect((await fetch(`${many.urls[1]}/features`)).status).toBe(200)
    await many.close()
    await expect(fetch(`${many.urls[1]}/prompt`)).rejects.toThrow()
  })

  it('sends a prompt\'s messages only to its client; others get status and text frames', async () => {
    const s = await sim()
    const a = await connect(s, 'a')
    const o = await connect(s, 'o')
    await submit(s, slowWorkflow({ steps: 2, seconds: 0.2, preview: true, text: true }), 'a')
    await a.waitFor(f => f.type === 'executing' && (f.data as { node: unknown }).node === null, 'the end')
    await sleep(20)
    expect(new Set(o.types)).toEqual(new Set(['status', 'binary:TEXT']))
    expect(a.types.filter(t => t !== 'progress_state' && t !== 'status')).toEqual([
      'execution_start', 'execution_cached', 'executing', 'executing',
      'binary:TEXT', 'progress', 'binary:PREVIEW_IMAGE', 'binary:TEXT', 'progress', 'binary:PREVIEW_IMAGE',
      'executing', 'executed', 'execution_success', 'executing',
    ])
    const preview = a.frames.find(f => f.type === 'binary:PREVIEW_IMAGE')?.data as { imageType: number, image: Uint8Array }
    expect(preview.imageType).toBe(2)
    expect([...preview.image.slice(1, 4)].map(c => String.fromCharCode(c)).join('')).toBe('PNG')
  })

  it('answers feature_flags only as the first message, then sends type-4 previews with metadata', async () => {
    const s = await sim()
    const late = await connect(s, 'late')
    late.send({ type: 'hello' })
    late.send({ type: 'feature_flags', data: { supports_preview_metadata: true } })
    const a = await connect(s, 'a')
    a.send({ type: 'feature_flags', data: { supports_preview_metadata: true } })
    const reply = await a.waitFor(f => f.type === 'feature_flags', 'the feature_flags reply')
    expect(reply.data).toEqual({ supports_preview_metadata: true, supports_model_type_tags: true, max_upload_size: 104857600, extension: { manager: { supports_v4: true } }, node_replacements: true, assets: false })
    const id = await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, preview: true }), 'a')
    const frame = await a.waitFor(f => f.type === 'binary:PREVIEW_IMAGE_WITH_METADATA', 'a type-4 preview')
    expect((frame.data as { metadata: unknown }).metadata).toEqual({ node_id: '2', prompt_id: id, display_node_id: '2', parent_node_id: null, real_node_id: '2', image_type: 'image/png' })
    expect(a.types).not.toContain('binary:PREVIEW_IMAGE')
    await sleep(20)
    expect(late.types).not.toContain('feature_flags')
  })

  it('0.3.44 sends no feature_flags reply, no progress_state and only legacy previews', async () => {
    const s = await sim({ version: '0.3.44' })
    const a = await connect(s, 'a')
    a.send({ type: 'feature_flags', data: { supports_preview_metadata: true } })
    await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, preview: true }), 'a')
    await a.waitFor(f => f.type === 'execution_success', 'success')
    expect(a.types).not.toContain('feature_flags')
    expect(a.types).not.toContain('progress_state')
    expect(a.types).toContain('binary:PREVIEW_IMAGE')
  })

  it('on reconnect of the running client sends status then executing {node} without prompt_id; events in between are lost', async () => {
    const s = await sim()
    const x1 = await connect(s, 'x')
    await submit(s, slowWorkflow({ steps: 6, seconds: 6 }), 'x')
    await x1.waitFor(f => f.type === 'progress', 'first progress')
    x1.close()
    await x1.waitFor(f => f.type === 'closed', 'close')
    await sleep(70)
    const x2 = await connect(s, 'x')
    expect(x2.frames[0]?.data).toEqual({ status: { exec_info: { queue_remaining: 1 } }, sid: 'x' })
    expect((await x2.waitFor(f => f.type === 'executing', 'executing')).data).toEqual({ node: '2' })
    const success = await x2.waitFor(f => f.type === 'execution_success', 'success')
    expect(success).toBeDefined()
    const values = x2.frames.filter(f => f.type === 'progress').map(f => (f.data as { value: number }).value)
    expect(values[0]).toBeGreaterThan(2)
  })

  it('reproduces the overlapping-socket bug: closing the first socket of a clientId silences the second', async () => {
    const s = await sim()
    const z1 = await connect(s, 'z')
    await submit(s, slowWorkflow({ steps: 4, seconds: 0.8 }), 'z')
    await z1.waitFor(f => f.type === 'progress', 'progress on z1')
    const z2 = await connect(s, 'z')
    await z2.waitFor(f => f.type === 'progress', 'progress on z2')
    const z1Count = z1.frames.length
    z1.close()
    await z1.waitFor(f => f.type === 'closed', 'z1 close')
    await waitFor(() => s.state.running === null, 'the prompt to finish', 3000, 5)
    await sleep(20)
    expect(z2.types).not.toContain('execution_success')
    expect(z2.ws.readyState).toBe(z2.ws.OPEN)
    expect(z1.frames.length).toBe(z1Count + 1)
    expect(s.state.connectedClients).toEqual([])
    await postJson(s, '/queue', { clear: true })
    await sleep(20)
    expect(z2.types.filter(t => t === 'status')).toHaveLength(1)
  })

  it('uses a client prompt_id on 0.33.0 (re-use runs again and overwrites history) and ignores it on 0.3.44', async () => {
    const s = await sim()
    const id = '5f0c2a9e-3b1d-4e6f-8a7b-9c0d1e2f3a4b'
    expect(await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, prefix: 'first' }), undefined, { prompt_id: id })).toBe(id)
    await waitFor(async () => (await historyOf(s, id)) !== undefined, 'the first run', 3000, 5)
    await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, prefix: 'second', color: 9 }), undefined, { prompt_id: id })
    await waitFor(async () => JSON.stringify(await historyOf(s, id)).includes('second_00001_'), 'the second run to overwrite history', 3000, 5)
    expect(Object.keys(await getJson(s, '/history') as object)).toEqual([id])
    const upper = await postJson(s, '/prompt', { prompt: slowWorkflow(), prompt_id: id.toUpperCase() })
    expect(upper.status).toBe(400)
    expect((upper.json as { error: { type: string } }).error.type).toBe('invalid_prompt_id')
    const old = await sim({ version: '0.3.44' })
    expect(await submit(old, slowWorkflow({ steps: 1, seconds: 0.05 }), undefined, { prompt_id: id })).not.toBe(id)
  })

  it('interrupts only the named running prompt on 0.33.0, and whatever runs on 0.3.44', async () => {
    const s = await sim()
    const a = await connect(s, 'a')
    const id = await submit(s, slowWorkflow({ steps: 20, seconds: 2 }), 'a')
    await a.waitFor(f => f.type === 'progress', 'progress')
    await postJson(s, '/interrupt', { prompt_id: '00000000-0000-4000-8000-000000000000' })
    await sleep(40)
    expect(s.state.running).toBe(id)
    await postJson(s, '/interrupt', { prompt_id: id })
    const stop = await a.waitFor(f => f.type === 'execution_interrupted', 'the interrupt')
    expect(stop.data).toMatchObject({ prompt_id: id, node_id: '2', node_type: 'TestSlowProgress', executed: ['1'] })
    const entry = await historyOf(s, id) as { status: { status_str: string, completed: boolean } }
    expect(entry.status).toMatchObject({ status_str: 'error', completed: false })
    expect((await getJson(s, `/api/jobs/${id}`) as { status: string }).status).toBe('cancelled')

    const old = await sim({ version: '0.3.44' })
    const b = await connect(old, 'b')
    await submit(old, slowWorkflow({ steps: 20, seconds: 2 }), 'b')
    await b.waitFor(f => f.type === 'progress', 'progress')
    await postJson(old, '/interrupt', { prompt_id: '00000000-0000-4000-8000-000000000000' })
    await b.waitFor(f => f.type === 'execution_interrupted', 'the global interrupt')
  })

  it('keeps running a prompt deleted from /queue, and sends two status messages when the last pending one goes', async () => {
    const s = await sim()
    const a = await connect(s, 'a')
    const running = await submit(s, slowWorkflow({ steps: 4, seconds: 4 }), 'a')
    const pending = await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, color: 5 }), 'a')
    await a.waitFor(f => f.type === 'execution_start', 'the first to run')
    await sleep(10)
    const before = a.types.filter(t => t === 'status').length
    await postJson(s, '/queue', { delete: [pending, running, 'unknown'] })
    await sleep(20)
    expect(a.types.filter(t => t === 'status').length - before).toBe(2)
    expect(s.state.pending).toEqual([])
    await a.waitFor(f => f.type === 'execution_success', 'the running prompt to succeed')
    expect(await getJson(s, `/history/${pending}`)).toEqual({})
    expect((await fetch(`${s.url}/api/jobs/${pending}`)).status).toBe(404)
  })

  it('re-runs a cached prompt with execution_cached and the same output, until another prompt or a restart clears the cache', async () => {
    const s = await sim()
    const a = await connect(s, 'a')
    const workflow = slowWorkflow({ steps: 1, seconds: 0.05, prefix: 'cache' })
    const run = async (prompt: Record<string, unknown>): Promise<{ cached: unknown, executed: unknown }> => {
      const start = a.frames.length
      const id = await submit(s, prompt, 'a')
      await a.waitFor(f => f.type === 'executing' && (f.data as { node: unknown, prompt_id: unknown }).node === null && (f.data as { prompt_id: unknown }).prompt_id === id, 'the end')
      const frames = a.frames.slice(start)
      return {
        cached: frames.find(f => f.type === 'execution_cached')?.data,
        executed: frames.filter(f => f.type === 'executed').map(f => (f.data as { output: unknown }).output),
      }
    }
    const first = await run(workflow)
    expect((first.cached as { nodes: string[] }).nodes).toEqual([])
    const second = await run(workflow)
    expect((second.cached as { nodes: string[] }).nodes).toEqual(['1', '2', '3'])
    expect(second.executed).toEqual(first.executed)
    await run(slowWorkflow({ steps: 1, seconds: 0.05, prefix: 'other', color: 1 }))
    expect(((await run(workflow)).cached as { nodes: string[] }).nodes).toEqual([])
    await s.restart()
    const b = await connect(s, 'a')
    const id = await submit(s, workflow, 'a')
    await b.waitFor(f => f.type === 'execution_cached', 'execution_cached')
    expect(b.frames.find(f => f.type === 'execution_cached')?.data).toMatchObject({ nodes: [], prompt_id: id })
  })

  it('validates like ComfyUI: max, combo lists, link types, and accepts a prompt with one good output', async () => {
    const s = await sim()
    const tooBig = await postJson(s, '/prompt', { prompt: slowWorkflow({ seconds: 700 }) })
    expect((tooBig.json as { node_errors: Record<string, { errors: { type: string, message: string }[] }> }).node_errors['2']?.errors[0]).toMatchObject({ type: 'value_bigger_than_max', message: 'Value 700.0 bigger than max of 600.0' })
    const combo = await postJson(s, '/prompt', {
      prompt: {
        1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        2: { class_type: 'ImageScale', inputs: { image: ['1', 0], upscale_method: 'magic', width: 4, height: 4, crop: 'disabled' } },
        3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
      },
    })
    expect((combo.json as { node_errors: Record<string, { errors: { type: string, details: string }[] }> }).node_errors['2']?.errors[0]).toEqual(expect.objectContaining({
      type: 'value_not_in_list',
      details: 'upscale_method: \'magic\' not in [\'nearest-exact\', \'bilinear\', \'area\', \'bicubic\', \'lanczos\']',
    }))
    expect((await upload(s, 'in.png', encodePng(createImage(2, 2)))).status).toBe(200)
    const mixed = await postJson(s, '/prompt', {
      prompt: {
        1: { class_type: 'LoadImage', inputs: { image: 'in.png' } },
        2: { class_type: 'ImageInvert', inputs: { image: ['1', 1] } },
        3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'bad' } },
        4: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'good' } },
      },
    })
    expect(mixed.status).toBe(200)
    const errors = (mixed.json as { node_errors: Record<string, { errors: { type: string, details: string }[], dependent_outputs: string[] }> }).node_errors
    expect(errors['2']).toMatchObject({ dependent_outputs: ['3'], errors: [{ type: 'return_type_mismatch', details: 'image, received_type(MASK) mismatch input_type(IMAGE)' }] })
    const id = (mixed.json as { prompt_id: string }).prompt_id
    await waitFor(async () => (await historyOf(s, id)) !== undefined, 'the good output to run', 3000, 5)
    expect(Object.keys((await historyOf(s, id) as { outputs: object }).outputs)).toEqual(['4'])
  })

  it('reports a node that raises as execution_error, and a non-image upload fails in LoadImage', async () => {
    const s = await sim()
    const a = await connect(s, 'a')
    const id = await submit(s, {
      1: { class_type: 'EmptyImage', inputs: { width: 2, height: 2, batch_size: 1, color: 0 } },
      2: { class_type: 'TestFail', inputs: { image: ['1', 0], message: 'boom' } },
      3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'never' } },
    }, 'a')
    const error = await a.waitFor(f => f.type === 'execution_error', 'execution_error')
    expect(error.data).toMatchObject({ prompt_id: id, node_id: '2', node_type: 'TestFail', executed: ['1'], exception_message: 'boom\n', exception_type: 'RuntimeError', current_inputs: { message: ['boom'] }, current_outputs: ['3', '2', '1'] })
    expect(a.types.slice(a.types.indexOf('execution_error'))).toEqual(['execution_error', 'status', 'executing'])
    expect((await getJson(s, `/api/jobs/${id}`) as { status: string }).status).toBe('failed')

    expect((await upload(s, 'notes.png', new TextEncoder().encode('not an image'))).json).toEqual({ name: 'notes.png', subfolder: '', type: 'input' })
    await submit(s, {
      1: { class_type: 'LoadImage', inputs: { image: 'notes.png' } },
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'never' } },
    }, 'a')
    const second = await a.waitFor(f => f.type === 'execution_error' && (f.data as { node_type: string }).node_type === 'LoadImage', 'the LoadImage error')
    expect((second.data as { exception_type: string }).exception_type).toBe('PIL.UnidentifiedImageError')
  })

  it('uploads like ComfyUI: dedupe, rename, overwrite, subfolder, temp, and 400 without an image', async () => {
    const s = await sim()
    const one = encodePng(createImage(2, 2, [1, 1, 1]))
    const two = encodePng(createImage(2, 2, [2, 2, 2]))
    expect((await upload(s, 'u.png', one)).json).toEqual({ name: 'u.png', subfolder: '', type: 'input' })
    expect((await upload(s, 'u.png', one)).json).toEqual({ name: 'u.png', subfolder: '', type: 'input' })
    expect((await upload(s, 'u.png', two)).json).toEqual({ name: 'u (1).png', subfolder: '', type: 'input' })
    expect((await upload(s, 'u.png', two)).json).toEqual({ name: 'u (1).png', subfolder: '', type: 'input' })
    expect((await upload(s, 'u.png', two, { overwrite: 'true' })).json).toEqual({ name: 'u.png', subfolder: '', type: 'input' })
    expect((await upload(s, 'u.png', one, { subfolder: 'deep/er', type: 'temp' })).json).toEqual({ name: 'u.png', subfolder: 'deep/er', type: 'temp' })
    expect((await upload(s, 'u.png', one, { subfolder: '../escape' })).status).toBe(400)
    const res = await fetch(`${s.url}/view?filename=u.png&type=temp&subfolder=deep/er`)
    expect(res.status).toBe(200)
    const noImage = new FormData()
    noImage.append('type', 'input')
    const missing = await fetch(`${s.url}/upload/image`, { method: 'POST', body: noImage })
    expect([missing.status, missing.headers.get('content-type'), (await missing.arrayBuffer()).byteLength]).toEqual([400, 'application/octet-stream', 0])
    expect((await fetch(`${s.url}/upload/image`, { method: 'POST', body: 'raw', headers: { 'Content-Type': 'application/octet-stream' } })).status).toBe(400)
    expect((await fetch(`${s.url}/view?filename=u.png&type=input&subfolder=../..`)).status).toBe(403)
    expect(((await getJson(s, '/object_info/LoadImage')) as { LoadImage: { input: { required: { image: unknown[] } } } }).LoadImage.input.required.image[0]).toEqual(['u (1).png', 'u.png'])
  })

  it('serves every route with and without /api, and answers unknown routes and methods like aiohttp', async () => {
    const s = await sim()
    expect(await getJson(s, '/api/prompt')).toEqual({ exec_info: { queue_remaining: 0 } })
    expect(await getJson(s, '/api/object_info/NoSuchNode')).toEqual({})
    const a = await connect(s, 'api', '/api/ws')
    expect(a.frames[0]?.data).toEqual({ status: { exec_info: { queue_remaining: 0 } }, sid: 'api' })
    a.close()
    const missing = await fetch(`${s.url}/nope`)
    expect([missing.status, missing.headers.get('content-type'), await missing.text()]).toEqual([404, 'text/plain; charset=utf-8', '404: Not Found'])
    expect((await fetch(`${s.url}/jobs`)).status).toBe(404)
    expect((await fetch(`${s.url}/prompt`, { method: 'PUT' })).status).toBe(405)
    const broken = await postJson(s, '/api/prompt', 'not json')
    expect([broken.status, broken.text]).toEqual([500, '500 Internal Server Error\n\nServer got itself in trouble'])
    await postJson(s, '/prompt', { prompt: slowWorkflow({ steps: 1, seconds: 0.05 }) })
    await postJson(s, '/prompt', { prompt: slowWorkflow({ steps: 1, seconds: 0.05, color: 3 }) })
    await waitFor(() => s.state.queueRemaining === 0, 'both prompts', 3000, 5)
    const all = await getJson(s, '/history') as Record<string, unknown>
    const ids = Object.keys(all)
    expect(Object.keys(await getJson(s, '/history?max_items=1') as object)).toEqual([ids[1]])
    expect(Object.keys(await getJson(s, '/history?max_items=1&offset=0') as object)).toEqual([ids[0]])
    expect((await fetch(`${s.url}/history?max_items=x`)).status).toBe(500)
    await postJson(s, '/history', { delete: [ids[0]] })
    expect(Object.keys(await getJson(s, '/history') as object)).toEqual([ids[1]])
    await postJson(s, '/history', { clear: true })
    expect(await getJson(s, '/history')).toEqual({})
  })

  it('answers CORS for any origin by default, and applies ComfyUI\'s origin check with cors: false', async () => {
    const open = await sim()
    const res = await fetch(`${open.url}/prompt`, { headers: { Origin: 'http://app.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example')
    const preflight = await fetch(`${open.url}/upload/image`, { method: 'OPTIONS', headers: { 'Origin': 'http://app.example', 'Access-Control-Request-Method': 'POST' } })
    expect(preflight.status).toBe(200)
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization')

    const closed = await sim({ cors: false, control: false })
    const foreign = await fetch(`${closed.url}/prompt`, { headers: { Origin: 'http://app.example' } })
    expect(foreign.status).toBe(403)
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    expect((await fetch(`${closed.url}/prompt`, { headers: { Origin: closed.url } })).status).toBe(200)
    expect((await fetch(`${closed.url}/__sim/silent`, { method: 'POST' })).status).toBe(404)
  })
})
