import { describe, expect, it } from 'vitest'
import { isReactive, reactive, ref } from 'vue'
import { fitSeeds } from '../../src/client/workflow-prepare'
import { isComfyTetherError } from '../../src/core/errors'
import { defineWorkflow, fillWorkflow, isWorkflowTemplate } from '../../src/core/workflow-template'
import type { WorkflowParamsError } from '../../src/core/workflow-errors'
import { sd15Workflow } from '../helpers/object-info'
import { invertUiWorkflow, subgraphInvertUiWorkflow } from '../helpers/ui-workflows'

function paramsError(fn: () => unknown): WorkflowParamsError {
  try {
    fn()
  }
  catch (error) {
    if (isComfyTetherError(error, 'INVALID_WORKFLOW_PARAMS'))
      return error as WorkflowParamsError
    throw error
  }
  throw new Error('no error thrown')
}

function titled(): ReturnType<typeof sd15Workflow> {
  const wf = sd15Workflow()
  wf['6']!._meta = { title: 'Positive' }
  wf['7']!._meta = { title: 'Negative' }
  return wf
}

describe('defineWorkflow', () => {
  it('binds parameters by node id and by _meta.title', () => {
    const tpl = defineWorkflow(titled(), { params: { prompt: 'Positive.text', seed: '3.seed', ckpt: 'Load Checkpoint.ckpt_name' } })
    expect(isWorkflowTemplate(tpl)).toBe(true)
    expect(tpl.params).toEqual({ prompt: { nodeId: '6', input: 'text' }, seed: { nodeId: '3', input: 'seed' }, ckpt: { nodeId: '4', input: 'ckpt_name' } })
  })

  it('lists every target that names no node input', () => {
    const error = paramsError(() => defineWorkflow(sd15Workflow(), { params: { a: 'CLIP Text Encode (Prompt).text', b: 'Nope.text', c: '3.sed' } }))
    expect(error.problems.map(p => [p.param, p.problem])).toEqual([['a', 'unknown'], ['b', 'unknown'], ['c', 'unknown']])
    expect(error.message).toContain('2 nodes (6, 7) have; use a node id')
    expect(error.message).toContain('"b" targets "Nope", which is neither a node id nor a node title')
    expect(error.message).toContain('"c" targets input "sed" of node 3 (KSampler), which has seed, steps')
  })

  it('copies the workflow: later changes to the JSON do not reach the template, and the template is frozen', () => {
    const json = titled()
    const tpl = defineWorkflow(json, { params: { prompt: 'Positive.text' } })
    json['6']!.inputs.text = 'changed afterwards'
    expect(tpl.workflow['6']!.inputs.text).toBe('beautiful scenery nature glass bottle landscape, , purple galaxy bottle,')
    expect(Object.isFrozen(tpl.workflow['6']!.inputs)).toBe(true)
  })

  it('rejects a malformed workflow with INVALID_WORKFLOW', () => {
    expect(() => defineWorkflow([] as never, { params: {} })).toThrow(expect.objectContaining({ code: 'INVALID_WORKFLOW' }))
  })
})

describe('fillWorkflow', () => {
  const tpl = defineWorkflow(titled(), { params: { prompt: 'Positive.text', seed: '3.seed', steps: '3.steps' } })

  it('puts the values into a fresh copy and never mutates the original JSON', () => {
    const json = titled()
    const own = defineWorkflow(json, { params: { prompt: 'Positive.text' } })
    const a = fillWorkflow(own, { prompt: 'a red fox' })
    const b = fillWorkflow(own, { prompt: 'a blue fox' })
    expect(a.workflow['6']!.inputs.text).toBe('a red fox')
    expect(b.workflow['6']!.inputs.text).toBe('a blue fox')
    expect(json['6']!.inputs.text).toBe('beautiful scenery nature glass bottle landscape, , purple galaxy bottle,')
    expect(a.workflow['7']).toEqual(json['7'])
  })

  it('draws a fresh seed for \'random\' on every fill and records the value used', () => {
    const draws = [0.25, 0.5]
    const a = fillWorkflow(tpl, { prompt: 'x', seed: 'random', steps: 4 }, { random: () => draws.shift()! })
    const b = fillWorkflow(tpl, { prompt: 'x', seed: 'random', steps: 4 }, { random: () => draws.shift() ?? 0.75 })
    expect(a.values.seed).toBe(Math.floor(0.25 * 2 ** 53))
    expect(a.workflow['3']!.inputs.seed).toBe(a.values.seed)
    expect(b.values.seed).toBe(Math.floor(0.5 * 2 ** 53))
    expect(a.seeds).toEqual({ '3.seed': a.values.seed })
    expect(a.values).toMatchObject({ prompt: 'x', steps: 4 })
  })

  it('re-randomizes the template\'s randomize inputs like control_after_generate: randomize', () => {
    const random = defineWorkflow(sd15Workflow(), { params: {}, randomize: ['KSampler.seed'] })
    const filled = fillWorkflow(random, {}, { random: () => 0.1 })
    expect(filled.workflow['3']!.inputs.seed).toBe(Math.floor(0.1 * 2 ** 53))
    expect(filled.seeds).toEqual({ '3.seed': Math.floor(0.1 * 2 ** 53) })
  })

  it('draws within the input\'s range when it is known (a seed input with a 32-bit max)', () => {
    const filled = fillWorkflow(tpl, { prompt: 'x', seed: 'random', steps: 4 }, { random: () => 0.999999, seedRange: (nodeId, input) => (nodeId === '3' && input === 'seed' ? { min: 10, max: 0xFFFFFFFF } : undefined) })
    expect(filled.values.seed).toBeGreaterThanOrEqual(10)
    expect(filled.values.seed).toBeLessThanOrEqual(0xFFFFFFFF)
    expect(fillWorkflow(tpl, { prompt: 'x', seed: 'random', steps: 4 }, { random: () => 0, seedRange: () => ({ min: 10, max: 20 }) }).values.seed).toBe(10)
    // KSampler's real max (2^64 − 1) is beyond what JSON carries exactly: capped at 2^53 − 1.
    expect(fillWorkflow(tpl, { prompt: 'x', seed: 'random', steps: 4 }, { random: () => 0.999999999, seedRange: () => ({ min: 0, max: 18446744073709551615 }) }).values.seed).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
  })

  it('keeps a Blob for upload instead of writing it into the workflow', () => {
    const wf = { 1: { class_type: 'LoadImage', inputs: { image: 'x.png' }, _meta: { title: 'Load' } }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'p' } } }
    const img = defineWorkflow(wf, { params: { image: 'Load.image' } })
    const file = new Blob([new Uint8Array([1])], { type: 'image/png' })
    const filled = fillWorkflow(img, { image: file })
    expect(filled.uploads).toEqual({ 1: { input: 'image', file } })
    expect(filled.workflow['1']!.inputs.image).toBe('x.png')
  })

  it('lists unknown, missing and unusable values in one INVALID_WORKFLOW_PARAMS error', () => {
    const error = paramsError(() => fillWorkflow(tpl, { prompt: 'x', steps: Number.NaN, sede: 3 } as never))
    expect(error.problems.map(p => [p.param, p.problem])).toEqual([['sede', 'unknown'], ['seed', 'missing'], ['steps', 'bad-value']])
    expect(error.message).toMatch(/^\[comfy-tether\] The workflow parameters do not fit: "sede" is not a parameter of this template \(it has prompt, seed, steps\)/)
  })
})

describe('defineWorkflow with a UI-format workflow', () => {
  it('binds by node id, by a unique title and by an id inside a subgraph, keeping a frozen copy of the graph', () => {
    const graph = invertUiWorkflow()
    const tpl = defineWorkflow(graph, { params: { photo: 'Photo.image', prefix: '3.filename_prefix' }, randomize: ['2.seed'] })
    expect(tpl.params).toEqual({ photo: { nodeId: '1', input: 'image' }, prefix: { nodeId: '3', input: 'filename_prefix' } })
    expect(tpl.randomize).toEqual([{ nodeId: '2', input: 'seed' }])
    expect(tpl.ui).toEqual(graph)
    expect(tpl.ui).not.toBe(graph)
    expect(Object.isFrozen(tpl.ui?.nodes[0])).toBe(true)
    expect(tpl.workflow).toEqual({})
    expect(defineWorkflow(subgraphInvertUiWorkflow(), { params: { photo: '7:1.image' } }).params.photo).toEqual({ nodeId: '7:1', input: 'image' })
  })

  it('rejects a node that is neither an id nor a title, and a title two nodes share', () => {
    const graph = invertUiWorkflow()
    const nodes = graph.nodes as unknown as { title?: string }[]
    nodes[2]!.title = 'Save'
    const error = paramsError(() => defineWorkflow(graph, { params: { a: 'Nowhere.text', b: 'Save.filename_prefix', c: '9:1.image' } }))
    expect(error.problems.map(p => [p.param, p.problem])).toEqual([['a', 'unknown'], ['b', 'unknown'], ['c', 'unknown']])
    expect(error.message).toContain('2, 3')
  })

  it('refuses fillWorkflow of a UI template (only a server\'s /object_info makes it a prompt) with INVALID_WORKFLOW', () => {
    const tpl = defineWorkflow(invertUiWorkflow(), { params: { prefix: 'Save.filename_prefix' } })
    let error: unknown
    try {
      fillWorkflow(tpl, { prefix: 'x' })
    }
    catch (e) {
      error = e
    }
    expect(isComfyTetherError(error, 'INVALID_WORKFLOW')).toBe(true)
    expect((error as Error).message).toContain('store.submit(template, values)')
  })
})

describe('templates of issue #20', () => {
  it('defines a template from a workflow held in Vue state (a ref\'s value, a reactive Proxy), as submit() takes one', () => {
    const held = ref(titled())
    const state = reactive({ workflow: titled() })
    expect(isWorkflowTemplate(defineWorkflow(held.value, { params: { seed: '3.seed' } }))).toBe(true)
    expect(isWorkflowTemplate(defineWorkflow(reactive(invertUiWorkflow()), { params: {} }))).toBe(true)
    const tpl = defineWorkflow(state.workflow, { params: { seed: '3.seed' } })
    expect(isReactive(tpl.workflow)).toBe(false)
    state.workflow['3']!.inputs.seed = 7
    expect(tpl.workflow['3']!.inputs.seed).not.toBe(7)
  })

  it('sends the given value of an input both randomized and bound to a parameter, and records what was sent', () => {
    const tpl = defineWorkflow(titled(), { params: { seed: '3.seed' }, randomize: ['3.seed'] })
    const filled = fillWorkflow(tpl, { seed: 42 }, { random: () => 0.5 })
    expect(filled.workflow['3']!.inputs.seed).toBe(42)
    expect(filled.values.seed).toBe(42)
    expect(filled.seeds).toEqual({})
  })

  it('keeps the given value when the server\'s seed range is narrower than the drawn seed (fitSeeds)', () => {
    const tpl = defineWorkflow(titled(), { params: { seed: '3.seed' }, randomize: ['3.seed'] })
    const filled = fillWorkflow(tpl, { seed: 42 }, { random: () => 0.9 })
    const objectInfo = { KSampler: { input: { required: { seed: ['INT', { min: 0, max: 100 }] } }, input_order: { required: ['seed'] }, output: [], output_is_list: [], output_name: [], name: 'KSampler', display_name: 'KSampler', description: '', category: 'sampling', output_node: false } }
    fitSeeds(filled.workflow, filled, objectInfo as never, () => 0.3)
    expect(filled.workflow['3']!.inputs.seed).toBe(42)
    expect(filled.values.seed).toBe(42)
  })

  it('still draws a seed for a randomized input whose parameter is given \'random\', and records it once', () => {
    const tpl = defineWorkflow(titled(), { params: { seed: '3.seed' }, randomize: ['3.seed'] })
    const filled = fillWorkflow(tpl, { seed: 'random' }, { random: () => 0.5 })
    const sent = filled.workflow['3']!.inputs.seed
    expect(typeof sent).toBe('number')
    expect(filled.values.seed).toBe(sent)
    expect(filled.seeds).toEqual({ '3.seed': sent })
    expect(filled.seedParams).toEqual({ '3.seed': 'seed' })
  })
})
