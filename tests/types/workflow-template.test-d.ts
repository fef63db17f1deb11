import { describe, expectTypeOf, it } from 'vitest'
import type { ComfyStore, TaskWorkflowView, UiWorkflow, WorkflowTemplate, WorkflowValues } from '../../src/index'
import { defineWorkflow, isUiWorkflow } from '../../src/index'
import { fillWorkflow } from '../../src/core/index'

const json = { 3: { class_type: 'KSampler', inputs: { seed: 1 } }, 6: { class_type: 'CLIPTextEncode', inputs: { text: '' }, _meta: { title: 'Positive' } } }

describe('workflow templates', () => {
  it('infers the parameter names from params', () => {
    const tpl = defineWorkflow(json, { params: { prompt: 'Positive.text', seed: '3.seed' } })
    expectTypeOf(tpl).toEqualTypeOf<WorkflowTemplate<'prompt' | 'seed'>>()
    expectTypeOf<WorkflowValues<'prompt' | 'seed'>>().toHaveProperty('seed')
  })

  it('makes a missing or unknown value a compile error', () => {
    const tpl = defineWorkflow(json, { params: { prompt: 'Positive.text', seed: '3.seed' } })
    fillWorkflow(tpl, { prompt: 'a fox', seed: 'random' })
    // @ts-expect-error: seed is missing
    fillWorkflow(tpl, { prompt: 'a fox' })
    // @ts-expect-error: sede is no parameter
    fillWorkflow(tpl, { prompt: 'a fox', seed: 1, sede: 2 })
    // @ts-expect-error: a target must be "<node>.<input>"
    defineWorkflow(json, { params: { prompt: 'Positive' } })
  })
})

declare const store: ComfyStore

describe('store.submit with a template', () => {
  it('takes the template\'s values, checked by name', () => {
    const tpl = defineWorkflow(json, { params: { prompt: 'Positive.text', seed: '3.seed' } })
    void store.submit(tpl, { prompt: 'a fox', seed: 'random' }, { validate: false })
    void store.submit(json, { validate: true })
    // @ts-expect-error: seed is missing
    void store.submit(tpl, { prompt: 'a fox' })
    // @ts-expect-error: sede is no parameter
    void store.submit(tpl, { prompt: 'a fox', seed: 1, sede: 2 })
  })

  it('exposes the workflow view on the handle', () => {
    expectTypeOf<Awaited<ReturnType<ComfyStore['submit']>>['workflow']['value']>().toEqualTypeOf<TaskWorkflowView | undefined>()
  })
})

describe('UI-format workflows', () => {
  const graph: UiWorkflow = { nodes: [{ id: 3, type: 'SaveImage', title: 'Save', widgets_values: ['x'] }], links: [], version: 0.4 }

  it('submit and defineWorkflow take them; the view says which format was sent', () => {
    void store.submit(graph, { validate: false })
    const tpl = defineWorkflow(graph, { params: { prefix: 'Save.filename_prefix' } })
    expectTypeOf(tpl).toEqualTypeOf<WorkflowTemplate<'prefix'>>()
    void store.submit(tpl, { prefix: 'out' })
    // @ts-expect-error: prefix is missing
    void store.submit(tpl, {})
    expectTypeOf<TaskWorkflowView['format']>().toEqualTypeOf<'api' | 'ui'>()
    expectTypeOf(isUiWorkflow).guards.toEqualTypeOf<UiWorkflow>()
  })
})
