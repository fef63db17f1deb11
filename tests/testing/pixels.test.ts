import type { ComfySimulator } from '../../src/testing/index'
import { PNG } from 'pngjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator, decodePng } from '../../src/testing/index'
import { historyOf, submit, upload } from './helpers'
import { waitFor } from '../helpers/wait'

function gradientPng(width: number, height: number): { bytes: Buffer, rgba: Buffer } {
  const png = new PNG({ width, height })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      png.data[i] = (x * 29) % 256
      png.data[i + 1] = (y * 53) % 256
      png.data[i + 2] = (x * y * 7 + 3) % 256
      png.data[i + 3] = 255
    }
  }
  return { bytes: PNG.sync.write(png), rgba: png.data }
}

async function outputOf(sim: ComfySimulator, id: string, node: string): Promise<{ filename: string, subfolder: string, type: string }> {
  await waitFor(async () => (await historyOf(sim, id)) !== undefined, 'the prompt to finish', 3000, 5)
  const entry = await historyOf(sim, id) as { outputs: Record<string, { images: { filename: string, subfolder: string, type: string }[] }> }
  const image = entry.outputs[node]?.images[0]
  if (!image)
    throw new Error(`node ${node} has no image output`)
  return image
}

async function view(sim: ComfySimulator, file: { filename: string, subfolder: string, type: string }): Promise<Response> {
  return fetch(`${sim.url}/view?${new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type })}`)
}

describe('simulated nodes work on real pixels', () => {
  const sims: ComfySimulator[] = []
  afterEach(async () => {
    await Promise.all(sims.splice(0).map(s => s.close()))
  })
  async function sim(): Promise<ComfySimulator> {
    const s = await createComfySimulator({ speed: 50 })
    sims.push(s)
    return s
  }

  it('inverts every pixel of an uploaded PNG (LoadImage -> ImageInvert -> SaveImage)', async () => {
    const s = await sim()
    const { bytes, rgba } = gradientPng(13, 7)
    expect((await upload(s, 'gradient.png', bytes)).status).toBe(200)
    const id = await submit(s, {
      1: { class_type: 'LoadImage', inputs: { image: 'gradient.png' } },
      2: { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'inverted' } },
    })
    const file = await outputOf(s, id, '3')
    expect(file).toEqual({ filename: 'inverted_00001_.png', subfolder: '', type: 'output' })
    const res = await view(s, file)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('content-disposition')).toBe('filename="inverted_00001_.png"')
    const out = PNG.sync.read(Buffer.from(await res.arrayBuffer()))
    expect([out.width, out.height]).toEqual([13, 7])
    let checked = 0
    for (let p = 0; p < 13 * 7; p++) {
      for (let c = 0; c < 3; c++) {
        expect(out.data[p * 4 + c], `pixel ${p} channel ${c}`).toBe(255 - (rgba[p * 4 + c] ?? 0))
        checked++
      }
    }
    expect(checked).toBe(13 * 7 * 3)
  })

  it('fills EmptyImage with its colour and scales with ImageScale (nearest neighbour)', async () => {
    const s = await sim()
    const id = await submit(s, {
      1: { class_type: 'EmptyImage', inputs: { width: 4, height: 2, batch_size: 2, color: 0x102030 } },
      2: { class_type: 'ImageScale', inputs: { image: ['1', 0], upscale_method: 'bilinear', width: 8, height: 0, crop: 'disabled' } },
      3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'sub/scaled' } },
    })
    await waitFor(async () => (await historyOf(s, id)) !== undefined, 'the prompt to finish', 3000, 5)
    const entry = await historyOf(s, id) as { outputs: Record<string, { images: { filename: string, subfolder: string, type: string }[] }> }
    expect(entry.outputs['3']?.images).toEqual([
      { filename: 'scaled_00001_.png', subfolder: 'sub', type: 'output' },
      { filename: 'scaled_00002_.png', subfolder: 'sub', type: 'output' },
    ])
    const res = await view(s, { filename: 'scaled_00002_.png', subfolder: 'sub', type: 'output' })
    const { image } = decodePng(new Uint8Array(await res.arrayBuffer()))
    expect([image.width, image.height]).toEqual([8, 4])
    expect([...image.data.slice(0, 6)]).toEqual([0x10, 0x20, 0x30, 0x10, 0x20, 0x30])
  })

  it('counts SaveImage files on from the highest existing number, and PreviewImage writes to temp', async () => {
    const s = await sim()
    const save = (color: number): Record<string, unknown> => ({
      1: { class_type: 'EmptyImage', inputs: { width: 2, height: 2, batch_size: 1, color } },
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'count' } },
      3: { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
    })
    await outputOf(s, await submit(s, save(1)), '2')
    const id = await submit(s, save(2))
    expect(await outputOf(s, id, '2')).toEqual({ filename: 'count_00002_.png', subfolder: '', type: 'output' })
    const preview = await outputOf(s, id, '3')
    expect(preview.type).toBe('temp')
    expect(preview.filename).toMatch(/^ComfyUI_temp_[a-z]{5}_00001_\.png$/)
    expect((await view(s, preview)).status).toBe(200)
  })
})
