import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { ComfySimulator } from '../../src/testing/index'
import { createComfySimulator } from '../../src/testing/index'
import { REAL_NODE_INFO_0_33 } from '../../src/testing/object-info-data'
import { pyJson } from '../../src/testing/py-json'
import { sleep } from '../helpers/wait'

const FIXTURE = readFileSync(new URL('../fixtures/comfyui/object-info/v0.33.0-783545f-cpu.json', import.meta.url), 'utf8')

/** The exact bytes of one class's entry in the recorded `/object_info` (it is `json.dumps` of a dict). */
function recordedEntry(name: string): string {
  const start = FIXTURE.indexOf(`"${name}": {`) + name.length + 4
  let depth = 0
  let inString = false
  for (let i = start; i < FIXTURE.length; i++) {
    const ch = FIXTURE[i]
    if (inString) {
      if (ch === '\\')
        i++
      else if (ch === '"')
        inString = false
    }
    else if (ch === '"') {
      inString = true
    }
    else if (ch === '{' || ch === '[') {
      depth++
    }
    else if ((ch === '}' || ch === ']') && --depth === 0) {
      return FIXTURE.slice(start, i + 1)
    }
  }
  throw new Error(`no entry ${name}`)
}

const sims: ComfySimulator[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map(s => s.close()))
})
async function sim(options: Parameters<typeof createComfySimulator>[0] = {}): Promise<ComfySimulator> {
  const s = await createComfySimulator(options)
  sims.push(s)
  return s
}
async function get(s: ComfySimulator, path: string): Promise<{ status: number, text: string }> {
  const res = await fetch(`${s.url}${path}`)
  return { status: res.status, text: await res.text() }
}

describe('the simulator\'s /object_info is the real one', () => {
  it.each(Object.keys(REAL_NODE_INFO_0_33))('%s: the data file is byte-identical to the recorded entry', (name) => {
    expect(pyJson(REAL_NODE_INFO_0_33[name]?.())).toBe(recordedEntry(name))
  })

  it.each(Object.keys(REAL_NODE_INFO_0_33))('%s: GET /object_info/{class} of a fresh 0.33.0 simulator answers the recorded bytes', async (name) => {
    const s = await sim()
    expect((await get(s, `/object_info/${name}`)).text).toBe(`{"${name}": ${recordedEntry(name)}}`)
  })
})

describe('per-instance node sets and models (a mixed fleet)', () => {
  it('omits node types that are not installed from /object_info and refuses them in POST /prompt', async () => {
    const s = await sim({ nodes: ['EmptyImage', 'SaveImage'] })
    expect(Object.keys(JSON.parse((await get(s, '/object_info')).text) as object)).toEqual(['EmptyImage', 'SaveImage'])
    expect((await get(s, '/object_info/ImageInvert')).text).toBe('{}')
    const res = await fetch(`${s.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: { 1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, 2: { class_type: 'ImageInvert', inputs: { image: ['1', 0] } }, 3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } } } }) })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { type: string, message: string } }).error).toMatchObject({ type: 'missing_node_type', message: 'Node \'ImageInvert\' not found. The custom node may not be installed.' })
  })

  it('offers the installed models in the loader\'s combo, lists them under /models, and checks them in POST /prompt', async () => {
    const s = await sim({ models: { upscale_models: ['RealESRGAN_x2.pth', '4x-UltraSharp.pth'], embeddings: ['easynegative.safetensors'] } })
    const info = JSON.parse((await get(s, '/object_info/UpscaleModelLoader')).text) as { UpscaleModelLoader: { input: { required: { model_name: [string, { options: string[] }] } } } }
    expect(info.UpscaleModelLoader.input.required.model_name).toEqual(['COMBO', { multiselect: false, options: ['4x-UltraSharp.pth', 'RealESRGAN_x2.pth'] }])
    expect(JSON.parse((await get(s, '/models/upscale_models')).text)).toEqual(['4x-UltraSharp.pth', 'RealESRGAN_x2.pth'])
    expect(JSON.parse((await get(s, '/models')).text)).toEqual(expect.arrayContaining(['checkpoints', 'loras', 'upscale_models']))
    expect(JSON.parse((await get(s, '/models/checkpoints')).text)).toEqual([])
    expect((await get(s, '/models/no_such_folder')).status).toBe(404)
    expect(JSON.parse((await get(s, '/embeddings')).text)).toEqual(['easynegative'])
    const res = await fetch(`${s.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: { 1: { class_type: 'UpscaleModelLoader', inputs: { model_name: 'missing.pth' } }, 2: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, 3: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['1', 0], image: ['2', 0] } }, 4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } } } }) })
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toContain('value_not_in_list')
  })

  it('runs an upscale with an installed model (scaled by the factor in its name)', async () => {
    const s = await sim({ models: { upscale_models: ['4x-UltraSharp.pth'] } })
    const promptId = crypto.randomUUID()
    const res = await fetch(`${s.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt_id: promptId, prompt: { 1: { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x-UltraSharp.pth' } }, 2: { class_type: 'EmptyImage', inputs: { width: 8, height: 6, batch_size: 1, color: 0 } }, 3: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['1', 0], image: ['2', 0] } }, 4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'up' } } } }) })
    expect(res.status).toBe(200)
    let entry: { outputs?: { 4?: { images: { filename: string }[] } } } | undefined
    while (!entry?.outputs?.[4]) {
      await sleep(20)
      entry = (JSON.parse((await get(s, `/history/${promptId}`)).text) as Record<string, typeof entry>)[promptId]
    }
    const png = new Uint8Array(await (await fetch(`${s.url}/view?filename=${entry.outputs[4].images[0]?.filename}&type=output`)).arrayBuffer())
    const view = new DataView(png.buffer)
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([32, 24])
  })

  it('rejects node types it cannot run', async () => {
    await expect(createComfySimulator({ nodes: ['KSampler'] })).rejects.toThrow('"KSampler" are not node types the simulator can run')
  })
})
