import { describe, expect, it } from 'vitest'
import { normalizeOutputs } from '../../src/core/outputs'

const S = 'http://127.0.0.1:8188'

describe('normalizeOutputs', () => {
  it('lists SaveImage files as images with node, title and a /view URL on the task\'s server', () => {
    const { files, text, values } = normalizeOutputs(
      { 9: { images: [{ filename: 'ComfyUI_00001_.png', subfolder: 'a b', type: 'output' }] } },
      S,
      { 9: { class_type: 'SaveImage', inputs: {}, _meta: { title: 'Save Image' } } },
    )
    expect(files).toEqual([{ kind: 'image', filename: 'ComfyUI_00001_.png', subfolder: 'a b', type: 'output', nodeId: '9', title: 'Save Image', key: 'images', url: `${S}/view?filename=ComfyUI_00001_.png&subfolder=a+b&type=output` }])
    expect(text).toEqual([])
    expect(values).toEqual([])
  })

  it.each([
    ['SaveAnimatedWEBP (images + animated)', { images: [{ filename: 'a.webp', subfolder: '', type: 'output' }], animated: [true] }, 'animated'],
    ['SaveVideo (images + animated, .mp4)', { images: [{ filename: 'v.mp4', subfolder: 'video', type: 'output' }], animated: [true] }, 'video'],
    ['a still .webp', { images: [{ filename: 's.webp', subfolder: '', type: 'temp' }] }, 'image'],
    ['VideoHelperSuite gifs with a video format', { gifs: [{ filename: 'c.mp4', subfolder: '', type: 'output', format: 'video/h264-mp4' }] }, 'video'],
    ['VideoHelperSuite gifs with an image format', { gifs: [{ filename: 'c.gif', subfolder: '', type: 'output', format: 'image/gif' }] }, 'animated'],
    ['SaveAudio', { audio: [{ filename: 'x.flac', subfolder: 'audio', type: 'output' }] }, 'audio'],
    ['a 3D saver', { '3d': [{ filename: 'm.glb', subfolder: '3d', type: 'output' }] }, '3d'],
    ['an unknown list of files', { files: [{ filename: 'data.bin', subfolder: '', type: 'output' }] }, 'other'],
  ])('recognises %s', (_, output, kind) => {
    const [file] = normalizeOutputs({ 5: output }, S).files
    expect(file?.kind).toBe(kind)
    expect(file?.nodeId).toBe('5')
  })

  it('keeps text as text and other UI values as values', () => {
    const out = normalizeOutputs({ 3: { text: ['hello', 'world'] }, 4: { value: [42], tags: { a: 1 } } }, S)
    expect(out.text).toEqual([{ nodeId: '3', key: 'text', value: 'hello' }, { nodeId: '3', key: 'text', value: 'world' }])
    expect(out.values).toEqual([{ nodeId: '4', key: 'value', value: [42] }, { nodeId: '4', key: 'tags', value: { a: 1 } }])
    expect(out.files).toEqual([])
  })

  it('keeps the format a node reported', () => {
    const [file] = normalizeOutputs({ 1: { gifs: [{ filename: 'c.webm', subfolder: '', type: 'output', format: 'video/webm' }] } }, S).files
    expect(file).toMatchObject({ format: 'video/webm', key: 'gifs', url: `${S}/view?filename=c.webm&subfolder=&type=output` })
  })
})
