import type { ObjectInfo, UiNode } from '../../src/core/ui-workflow'
import { describe, expect, it } from 'vitest'
import { fromUiWorkflow } from '../../src/core/ui-workflow'
import { checkpoint, conversionError, OBJECT_INFO, uiNode, uiWorkflow } from '../helpers/ui-workflow-fixtures'

// Hand-built graphs in the shape the frontend saves, converted with the real 0.33.0 object_info.

const KSAMPLER_WIDGETS = [42, 'randomize', 20, 8, 'euler', 'normal', 1]
const KSAMPLER_VALUES = { seed: 42, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1 }

function ksampler(id: number, links: { model?: number, positive?: number, negative?: number, latent?: number, seed?: number } = {}, widgets: unknown[] = KSAMPLER_WIDGETS): UiNode {
  return uiNode(id, 'KSampler', {
    inputs: [
      ['model', 'MODEL', links.model],
      ['positive', 'CONDITIONING', links.positive],
      ['negative', 'CONDITIONING', links.negative],
      ['latent_image', 'LATENT', links.latent],
      ...(links.seed === undefined ? [] : [['seed', 'INT', links.seed, true] as [string, string, number, boolean]]),
    ],
    outputs: [['LATENT', 'LATENT']],
    widgets,
  })
}

const textEncode = (id: number, clipLink: number | null, text = 'a cat', mode = 0): UiNode =>
  uiNode(id, 'CLIPTextEncode', { inputs: [['clip', 'CLIP', clipLink]], outputs: [['CONDITIONING', 'CONDITIONING']], widgets: [text], mode })
const reroute = (id: number, link: number | null): UiNode => uiNode(id, 'Reroute', { inputs: [['', '*', link]], outputs: [['', '*']] })

describe('fromUiWorkflow widget values', () => {
  it('maps KSampler values to input names in object_info order, skipping the control_after_generate value', () => {
    const prompt = fromUiWorkflow(uiWorkflow([ksampler(3)]), OBJECT_INFO)
    expect(prompt).toEqual({ 3: { class_type: 'KSampler', inputs: KSAMPLER_VALUES, _meta: { title: 'KSampler' } } })
  })

  it('rejects a KSampler whose control value is not a mode (the 2023 layout with a boolean)', () => {
    const error = conversionError(() => fromUiWorkflow(uiWorkflow([ksampler(3, {}, [42, true, 20, 8, 'euler', 'normal', 1])]), OBJECT_INFO))
    expect(error).toMatchObject({ reason: 'widget-mismatch', nodeId: '3', nodeType: 'KSampler' })
  })

  it('skips the upload button value that LoadImage saves after the file name', () => {
    const load = uiNode(10, 'LoadImage', { outputs: [['IMAGE', 'IMAGE'], ['MASK', 'MASK']], widgets: ['cat.png', 'image'] })
    expect(fromUiWorkflow(uiWorkflow([load]), OBJECT_INFO)['10']!.inputs).toEqual({ image: 'cat.png' })
  })

  it('gives a widget the workflow has no value for (added to the server later) its object_info default', () => {
    const scheduler = uiNode(22, 'SDTurboScheduler', { inputs: [['model', 'MODEL']], outputs: [['SIGMAS', 'SIGMAS']], widgets: [3] })
    expect(fromUiWorkflow(uiWorkflow([scheduler]), OBJECT_INFO)['22']!.inputs).toEqual({ steps: 3, denoise: 1 })
  })

  it('rejects more saved values than the node has widgets', () => {
    const save = uiNode(9, 'SaveImage', { inputs: [['images', 'IMAGE']], widgets: ['ComfyUI', 'extra'] })
    const error = conversionError(() => fromUiWorkflow(uiWorkflow([save]), OBJECT_INFO))
    expect(error).toMatchObject({ reason: 'widget-mismatch', nodeId: '9', nodeType: 'SaveImage' })
    expect(error.message).toContain('filename_prefix')
  })

  it('refuses forceInput widget inputs, whose slot frontends save differently', () => {
    const save = uiNode(5, 'SaveText', { inputs: [['text', 'STRING', null, true]], widgets: ['notes'] })
    expect(conversionError(() => fromUiWorkflow(uiWorkflow([save]), OBJECT_INFO))).toMatchObject({ reason: 'unsupported', nodeId: '5', nodeType: 'SaveText' })
  })

  it('wraps list values as { __value__ } and reads widgets_values saved as an object', () => {
    const info: ObjectInfo = {
      Tagger: { input: { required: { tags: ['COMBO', { multiselect: true, options: ['a', 'b'] }], strength: ['FLOAT'] } }, output: [], name: 'Tagger', display_name: 'Tagger' },
    }
    const listForm = fromUiWorkflow(uiWorkflow([uiNode(1, 'Tagger', { widgets: [['a', 'b'], 0.5] })]), info)
    const objectForm = fromUiWorkflow(uiWorkflow([uiNode(1, 'Tagger', { widgets: { strength: 0.5, tags: ['a', 'b'], preview: {} } })]), info)
    expect(listForm['1']!.inputs).toEqual({ tags: { __value__: ['a', 'b'] }, strength: 0.5 })
    expect(objectForm).toEqual(listForm)
  })

  it('keeps the slot of a widget converted to an input and replaces its value by the link', () => {
    const seed = uiNode(10, 'PrimitiveInt', { outputs: [['INT', 'INT']], widgets: [7, 'fixed'] })
    const prompt = fromUiWorkflow(uiWorkflow([seed, ksampler(3, { seed: 1 })], [[1, 10, 0, 3, 4, 'INT']]), OBJECT_INFO)
    expect(prompt['3']!.inputs).toEqual({ ...KSAMPLER_VALUES, seed: ['10', 0] })
    expect(prompt['10']!.inputs).toEqual({ value: 7 })
  })
})

describe('fromUiWorkflow links', () => {
  it('links the consumer of a chain of reroutes to the reroutes\' source', () => {
    const prompt = fromUiWorkflow(uiWorkflow(
      [checkpoint(4), reroute(20, 1), reroute(21, 2), textEncode(6, 3)],
      [[1, 4, 1, 20, 0, 'CLIP'], [2, 20, 0, 21, 0, 'CLIP'], [3, 21, 0, 6, 0, 'CLIP']],
    ), OBJECT_INFO)
    expect(Object.keys(prompt)).toEqual(['4', '6'])
    expect(prompt['6']!.inputs).toEqual({ text: 'a cat', clip: ['4', 1] })
  })

  it('puts a PrimitiveNode\'s value (through a reroute) as the literal of the widget it drives', () => {
    const primitive = uiNode(30, 'PrimitiveNode', { outputs: [['INT', 'INT']], widgets: [1234, 'fixed'], title: 'seed' })
    const prompt = fromUiWorkflow(uiWorkflow(
      [primitive, reroute(31, 1), ksampler(3, { seed: 2 })],
      [[1, 30, 0, 31, 0, 'INT'], [2, 31, 0, 3, 4, 'INT']],
    ), OBJECT_INFO)
    expect(Object.keys(prompt)).toEqual(['3'])
    expect(prompt['3']!.inputs).toEqual({ ...KSAMPLER_VALUES, seed: 1234 })
  })

  it('drops muted nodes and the inputs they fed', () => {
    const save = uiNode(9, 'SaveImage', { inputs: [['images', 'IMAGE']], widgets: ['ComfyUI'], mode: 2 })
    const prompt = fromUiWorkflow(uiWorkflow(
      [checkpoint(4), textEncode(6, 1), textEncode(7, 2, 'blurry', 2), ksampler(3, { model: 3, positive: 4, negative: 5 }), save],
      [[1, 4, 1, 6, 0, 'CLIP'], [2, 4, 1, 7, 0, 'CLIP'], [3, 4, 0, 3, 0, 'MODEL'], [4, 6, 0, 3, 1, 'CONDITIONING'], [5, 7, 0, 3, 2, 'CONDITIONING']],
    ), OBJECT_INFO)
    expect(Object.keys(prompt).sort()).toEqual(['3', '4', '6'])
    expect(prompt['3']!.inputs).toEqual({ ...KSAMPLER_VALUES, model: ['4', 0], positive: ['6', 0] })
  })

  it('passes a bypassed node\'s inputs to its consumers by slot and type', () => {
    const lora = uiNode(8, 'LoraLoader', {
      inputs: [['model', 'MODEL', 1], ['clip', 'CLIP', 2]],
      outputs: [['MODEL', 'MODEL'], ['CLIP', 'CLIP']],
      widgets: ['style.safetensors', 1, 1],
      mode: 4,
    })
    const prompt = fromUiWorkflow(uiWorkflow(
      [checkpoint(4), lora, textEncode(6, 3), ksampler(3, { model: 4, positive: 5 })],
      [[1, 4, 0, 8, 0, 'MODEL'], [2, 4, 1, 8, 1, 'CLIP'], [3, 8, 1, 6, 0, 'CLIP'], [4, 8, 0, 3, 0, 'MODEL'], [5, 6, 0, 3, 1, 'CONDITIONING']],
    ), OBJECT_INFO)
    expect(prompt['8']).toBeUndefined()
    expect(prompt['6']!.inputs.clip).toEqual(['4', 1])
    expect(prompt['3']!.inputs.model).toEqual(['4', 0])
  })

  it('uses the first input of the exact type when the same slot does not fit (a bypassed KSampler passes its latent)', () => {
    const empty = uiNode(5, 'EmptyLatentImage', { outputs: [['LATENT', 'LATENT']], widgets: [512, 512, 1] })
    const decode = uiNode(9, 'VAEDecode', { inputs: [['samples', 'LATENT', 2], ['vae', 'VAE', 3]], outputs: [['IMAGE', 'IMAGE']] })
    const bypassed = { ...ksampler(3, { model: 4, latent: 1 }), mode: 4 }
    const prompt = fromUiWorkflow(uiWorkflow(
      [checkpoint(4), empty, bypassed, decode],
      [[1, 5, 0, 3, 3, 'LATENT'], [2, 3, 0, 9, 0, 'LATENT'], [3, 4, 2, 9, 1, 'VAE'], [4, 4, 0, 3, 0, 'MODEL']],
    ), OBJECT_INFO)
    expect(prompt['9']!.inputs).toEqual({ samples: ['5', 0], vae: ['4', 2] })
  })

  it('matches a bypassed output to the same slot, then the first exact type, then the first compatible type', () => {
    const load = (id: number): UiNode => uiNode(id, 'LoadImage', { outputs: [['IMAGE', 'IMAGE'], ['MASK', 'MASK']], widgets: [`${id}.png`, 'image'] })
    const latent = uiNode(51, 'EmptyLatentImage', { outputs: [['LATENT', 'LATENT']], widgets: [512, 512, 1] })
    // Bypassed nodes need no object_info: only their saved slots decide where links go.
    const bypassed = uiNode(70, 'SomeCustomMixer', {
      inputs: [['a', 'IMAGE,MASK', 1], ['b', 'LATENT', 2], ['c', 'IMAGE', 3]],
      outputs: [['o0', 'IMAGE'], ['o1', 'IMAGE'], ['o2', 'MASK']],
      mode: 4,
    })
    const preview = (id: number, link: number): UiNode => uiNode(id, 'PreviewImage', { inputs: [['images', 'IMAGE', link]], widgets: [] })
    const maskToImage = uiNode(62, 'MaskToImage', { inputs: [['mask', 'MASK', 6]], outputs: [['IMAGE', 'IMAGE']] })
    const prompt = fromUiWorkflow(uiWorkflow(
      [load(50), latent, load(52), bypassed, preview(60, 4), preview(61, 5), maskToImage],
      [[1, 50, 0, 70, 0, 'IMAGE'], [2, 51, 0, 70, 1, 'LATENT'], [3, 52, 0, 70, 2, 'IMAGE'], [4, 70, 0, 60, 0, 'IMAGE'], [5, 70, 1, 61, 0, 'IMAGE'], [6, 70, 2, 62, 0, 'MASK']],
    ), OBJECT_INFO)
    expect(prompt['60']!.inputs.images).toEqual(['50', 0])
    expect(prompt['61']!.inputs.images).toEqual(['52', 0])
    expect(prompt['62']!.inputs.mask).toEqual(['50', 0])
  })

  it('leaves the input unset when a bypassed node has no input of the consumer\'s type', () => {
    const decode = uiNode(8, 'VAEDecode', { inputs: [['samples', 'LATENT', null], ['vae', 'VAE', 1]], outputs: [['IMAGE', 'IMAGE']], mode: 4 })
    const save = uiNode(9, 'SaveImage', { inputs: [['images', 'IMAGE', 2]], widgets: ['ComfyUI'] })
    const prompt = fromUiWorkflow(uiWorkflow([checkpoint(4), decode, save], [[1, 4, 2, 8, 1, 'VAE'], [2, 8, 0, 9, 0, 'IMAGE']]), OBJECT_INFO)
    expect(prompt['9']!.inputs).toEqual({ filename_prefix: 'ComfyUI' })
  })

  it('drops notes and ignores groups', () => {
    const notes = [uiNode(40, 'Note', { widgets: ['read me'] }), uiNode(41, 'MarkdownNote', { widgets: ['# hi'] })]
    const groups = [{ title: 'Loaders', bounding: [0, 0, 100, 100] }]
    expect(Object.keys(fromUiWorkflow(uiWorkflow([checkpoint(4), ...notes], [], { groups }), OBJECT_INFO))).toEqual(['4'])
  })

  it('titles a node by its title, else by the class\'s display name', () => {
    const prompt = fromUiWorkflow(uiWorkflow([checkpoint(4), { ...textEncode(6, 1), title: 'Positive' }], [[1, 4, 1, 6, 0, 'CLIP']]), OBJECT_INFO)
    expect(prompt['4']!._meta).toEqual({ title: 'Load Checkpoint' })
    expect(prompt['6']!._meta).toEqual({ title: 'Positive' })
  })

  it('reads schema-1 links saved as objects', () => {
    const links = [{ id: 1, origin_id: 4, origin_slot: 1, target_id: 6, target_slot: 0, type: 'CLIP' }]
    const prompt = fromUiWorkflow({ version: 1, nodes: [checkpoint(4), textEncode(6, 1)], links }, OBJECT_INFO)
    expect(prompt['6']!.inputs.clip).toEqual(['4', 1])
  })
})
