// The simulator answers V3 dynamic inputs as ComfyUI 0.33.0 did (tests/fixtures/comfyui/PROTOCOL.md, "V3 dynamic
// inputs in POST /prompt"), and runs ResizeImageMaskNode and BatchImagesNode on real PNGs.
import type { ComfySimulator } from '../../src/testing/index'
import { PNG } from 'pngjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { historyOf, postJson } from './helpers'
import { waitFor } from '../helpers/wait'

const sims: ComfySimulator[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function sim(): Promise<ComfySimulator> {
  const s = await createComfySimulator({ speed: 50 })
  sims.push(s)
  return s
}

const canvas = { class_type: 'EmptyImage', inputs: { width: 8, height: 6, batch_size: 1, color: 0x102030 } }

function resize(inputs: Record<string, unknown>): Record<string, unknown> {
  return {
    1: canvas,
    2: { class_type: 'ResizeImageMaskNode', inputs: { input: ['1', 0], scale_method: 'area', ...inputs } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'resized' } },
  }
}

function batch(inputs: Record<string, unknown>): Record<string, unknown> {
  return { 1: canvas, 2: { class_type: 'BatchImagesNode', inputs }, 3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'batch' } } }
}

interface Answer { status: number, json: { prompt_id?: string, error?: { type: string }, node_errors?: Record<string, { errors: { type: string, details: string }[] }> } }

async function post(s: ComfySimulator, prompt: Record<string, unknown>): Promise<Answer> {
  return await postJson(s, '/prompt', { prompt }) as Answer
}

/** The sizes of the images a finished prompt saved from node `node`. */
async function savedSizes(s: ComfySimulator, id: string, node: string): Promise<[number, number][]> {
  await waitFor(async () => (await historyOf(s, id)) !== undefined, 'the prompt to finish', 3000, 5)
  const entry = await historyOf(s, id) as { outputs: Record<string, { images: { filename: string, subfolder: string, type: string }[] }> }
  return Promise.all((entry.outputs[node]?.images ?? []).map(async (file) => {
    const res = await fetch(`${s.url}/view?${new URLSearchParams(file)}`)
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()))
    return [png.width, png.height] as [number, number]
  }))
}

describe('V3 dynamic inputs in POST /prompt, as 0.33.0 answers them', () => {
  it('accepts a DYNAMICCOMBO\'s sub-inputs as "<input>.<sub>" and scales the image (MATCHTYPE output into SaveImage)', async () => {
    const s = await sim()
    const dims = await post(s, resize({ 'resize_type': 'scale dimensions', 'resize_type.width': 4, 'resize_type.height': 3, 'resize_type.crop': 'center' }))
    expect(dims.status).toBe(200)
    expect(await savedSizes(s, dims.json.prompt_id!, '3')).toEqual([[4, 3]])
    const half = await post(s, resize({ 'resize_type': 'scale by multiplier', 'resize_type.multiplier': 0.5 }))
    expect(half.status).toBe(200)
    expect(await savedSizes(s, half.json.prompt_id!, '3')).toEqual([[4, 3]])
  })

  it('refuses a sub-input above its max, and a missing, undotted or other option\'s sub-input as required_input_missing', async () => {
    const s = await sim()
    const big = await post(s, resize({ 'resize_type': 'scale by multiplier', 'resize_type.multiplier': 50 }))
    expect(big.status).toBe(400)
    expect(big.json.error?.type).toBe('prompt_outputs_failed_validation')
    expect(big.json.node_errors?.['2']?.errors).toEqual([expect.objectContaining({ type: 'value_bigger_than_max', message: 'Value 50.0 bigger than max of 8.0', details: 'resize_type.multiplier' })])
    for (const inputs of [{ resize_type: 'scale by multiplier' }, { resize_type: 'scale by multiplier', multiplier: 0.5 }, { 'resize_type': 'scale by multiplier', 'resize_type.longer_size': 8 }]) {
      const answer = await post(s, resize(inputs))
      expect(answer.status).toBe(400)
      expect(answer.json.node_errors?.['2']?.errors).toEqual([expect.objectContaining({ type: 'required_input_missing', details: 'multiplier', extra_info: { input_name: 'resize_type.multiplier' } })])
    }
  })

  it('accepts a DYNAMICCOMBO key that is no option, and a link of another type into a MATCHTYPE input', async () => {
    const s = await createComfySimulator({ speed: 50, models: { upscale_models: ['4x.pth'] } })
    sims.push(s)
    expect((await post(s, resize({ resize_type: 'bogus' }))).status).toBe(200)
    const prompt = resize({ 'resize_type': 'scale by multiplier', 'resize_type.multiplier': 0.5 }) as Record<string, { class_type: string, inputs: Record<string, unknown> }>
    prompt['4'] = { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x.pth' } }
    prompt['2']!.inputs.input = ['4', 0] // UPSCALE_MODEL into "IMAGE,MASK": 0.33.0 does not check it before running
    expect((await post(s, prompt)).status).toBe(200)
  })

  it('grows an AUTOGROW into "images.image0", "images.image1", … and wants the first', async () => {
    const s = await sim()
    const two = await post(s, batch({ 'images.image0': ['1', 0], 'images.image1': ['1', 0] }))
    expect(two.status).toBe(200)
    expect(await savedSizes(s, two.json.prompt_id!, '3')).toEqual([[8, 6], [8, 6]])
    expect((await post(s, batch({ 'images.image0': ['1', 0] }))).status).toBe(200)
    const none = await post(s, batch({}))
    expect(none.status).toBe(400)
    expect(none.json.node_errors?.['2']?.errors).toEqual([expect.objectContaining({ type: 'required_input_missing', details: 'image0', extra_info: { input_name: 'images.image0' } })])
  })
})

describe('only outputs and what they depend on are validated, as validate_prompt does', () => {
  it('runs a prompt whose broken node feeds no output, and refuses one without an output node as prompt_no_outputs', async () => {
    const s = await sim()
    const ok = await post(s, { 1: canvas, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } }, 3: { class_type: 'ResizeImageMaskNode', inputs: { resize_type: 'scale by multiplier' } } })
    expect(ok.status).toBe(200)
    expect(ok.json.node_errors).toEqual({})
    const none = await post(s, { 1: canvas })
    expect(none.status).toBe(400)
    expect(none.json).toEqual({ error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, node_errors: {} })
  })
})
