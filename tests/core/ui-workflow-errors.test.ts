import type { ObjectInfo } from '../../src/core/ui-workflow'
import { describe, expect, it } from 'vitest'
import { ComfyTetherError, isComfyTetherError } from '../../src/core/errors'
import { fromUiWorkflow, isUiWorkflow, UiWorkflowError } from '../../src/core/index'
import { checkpoint, conversionError, OBJECT_INFO, uiNode, uiWorkflow } from '../helpers/ui-workflow-fixtures'

const encode = (id: number, link: number | null) =>
  uiNode(id, 'CLIPTextEncode', { inputs: [['clip', 'CLIP', link]], outputs: [['CONDITIONING', 'CONDITIONING']], widgets: ['a cat'] })
const upscale = (id: number, link: number | null) =>
  uiNode(id, 'LatentUpscaleBy', { inputs: [['samples', 'LATENT', link]], outputs: [['LATENT', 'LATENT']], widgets: ['nearest-exact', 1.5] })

describe('fromUiWorkflow errors', () => {
  it('is a ComfyTetherError with code UNSUPPORTED_UI_WORKFLOW and an actionable, prefixed message', () => {
    const error = conversionError(() => fromUiWorkflow(uiWorkflow([uiNode(12, 'FancySampler')]), OBJECT_INFO))
    expect(error).toBeInstanceOf(ComfyTetherError)
    expect(isComfyTetherError(error, 'UNSUPPORTED_UI_WORKFLOW')).toBe(true)
    expect(error.name).toBe('UiWorkflowError')
    expect(error.message).toBe('[comfy-tether] Cannot convert the UI-format workflow (missing-node-type): node 12 (FancySampler): the server\'s /object_info has no node class "FancySampler". Install the custom nodes on that server (and restart it), or remove those nodes from the workflow.')
  })

  it('names every node class object_info lacks, but not those of muted or bypassed nodes', () => {
    const workflow = uiWorkflow([checkpoint(4), uiNode(12, 'FancySampler'), uiNode(13, 'FancyUpscale'), uiNode(14, 'FancySampler'), uiNode(15, 'MutedCustom', { mode: 2 }), uiNode(16, 'BypassedCustom', { mode: 4 })])
    const error = conversionError(() => fromUiWorkflow(workflow, OBJECT_INFO))
    expect(error).toMatchObject({ reason: 'missing-node-type', nodeId: '12', nodeType: 'FancySampler', missingNodeTypes: ['FancySampler', 'FancyUpscale'] })
  })

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', '{"nodes": []}'],
    ['a number', 42],
    ['an API-format prompt', { 3: { class_type: 'KSampler', inputs: {} } }],
    ['nodes that are not a list', { nodes: {}, links: [] }],
  ])('rejects %s as malformed', (_label, value) => {
    expect(conversionError(() => fromUiWorkflow(value, OBJECT_INFO)).reason).toBe('malformed')
    expect(isUiWorkflow(value)).toBe(false)
  })

  it('rejects object_info that is not an object', () => {
    expect(conversionError(() => fromUiWorkflow(uiWorkflow([]), null as unknown as ObjectInfo)).reason).toBe('malformed')
  })

  it.each([
    ['a node that is not an object', uiWorkflow([checkpoint(4), 'node' as never])],
    ['a node without a type', uiWorkflow([{ ...checkpoint(4), type: '' }])],
    ['two nodes with one id', uiWorkflow([checkpoint(4), encode(4, null)])],
    ['a link that is not a tuple', { ...uiWorkflow([checkpoint(4)]), links: [[1, 4]] }],
    ['an input named __proto__', uiWorkflow([{ ...encode(6, null), inputs: [{ name: '__proto__', type: 'CLIP', link: null }] }])],
    ['a link with a negative slot', uiWorkflow([checkpoint(4), encode(6, 1)], [[1, 4, -1, 6, 0, 'CLIP']])],
  ])('rejects %s as malformed', (_label, workflow) => {
    expect(conversionError(() => fromUiWorkflow(workflow, OBJECT_INFO)).reason).toBe('malformed')
  })

  it('rejects a link from a node that does not exist, naming the node it ends at', () => {
    const error = conversionError(() => fromUiWorkflow(uiWorkflow([encode(6, 1)], [[1, 99, 1, 6, 0, 'CLIP']]), OBJECT_INFO))
    expect(error).toMatchObject({ reason: 'malformed', nodeId: '6', nodeType: 'CLIPTextEncode' })
    expect(error.message).toContain('node 99')
  })

  it('rejects an input whose link id is not in the links list', () => {
    const error = conversionError(() => fromUiWorkflow(uiWorkflow([checkpoint(4), encode(6, 7)]), OBJECT_INFO))
    expect(error).toMatchObject({ reason: 'malformed', nodeId: '6' })
    expect(error.message).toContain('link 7')
  })

  it('rejects reroutes linked in a circle', () => {
    const reroute = (id: number, link: number) => uiNode(id, 'Reroute', { inputs: [['', '*', link]], outputs: [['', '*']] })
    const workflow = uiWorkflow([reroute(20, 2), reroute(21, 1), encode(6, 3)], [[1, 20, 0, 21, 0, '*'], [2, 21, 0, 20, 0, '*'], [3, 21, 0, 6, 0, 'CLIP']])
    expect(conversionError(() => fromUiWorkflow(workflow, OBJECT_INFO)).reason).toBe('cycle')
  })

  it('rejects nodes whose outputs feed each other', () => {
    const workflow = uiWorkflow([upscale(1, 2), upscale(2, 1)], [[1, 1, 0, 2, 0, 'LATENT'], [2, 2, 0, 1, 0, 'LATENT']])
    const error = conversionError(() => fromUiWorkflow(workflow, OBJECT_INFO))
    expect(error).toMatchObject({ reason: 'cycle', nodeType: 'LatentUpscaleBy' })
  })

  it.each([
    ['hides a widget in its config', { '0': { input: { sampler_name: { visible: false } } } }, [['SAMPLER', 'SAMPLER']]],
    ['has outputs its definition does not expose', {}, [['SAMPLER', 'SAMPLER'], ['EXTRA', 'LATENT']]],
  ] as const)('refuses a legacy group node that %s', (_label, config, outputs) => {
    const inner = { ...uiNode(0, 'KSamplerSelect', { outputs: [['SAMPLER', 'SAMPLER']], widgets: ['euler'] }), index: 0 }
    const instance = uiNode(37, 'workflow>Sampler', { outputs: outputs.map(([n, t]) => [n, t] as [string, string]), widgets: ['euler'] })
    const workflow = uiWorkflow([instance], [], { extra: { groupNodes: { Sampler: { nodes: [inner], links: [], external: [], config } } } })
    const error = conversionError(() => fromUiWorkflow(workflow, OBJECT_INFO))
    expect(error).toBeInstanceOf(UiWorkflowError)
    expect(error).toMatchObject({ reason: 'unsupported', nodeId: '37', nodeType: 'workflow>Sampler' })
  })

  it('converts the same legacy group node when nothing is hidden', () => {
    const inner = { ...uiNode(0, 'KSamplerSelect', { outputs: [['SAMPLER', 'SAMPLER']], widgets: ['euler'] }), index: 0 }
    const instance = uiNode(37, 'workflow>Sampler', { outputs: [['SAMPLER', 'SAMPLER']], widgets: ['lcm'] })
    const workflow = uiWorkflow([instance], [], { extra: { groupNodes: { Sampler: { nodes: [inner], links: [], external: [], config: {} } } } })
    expect(fromUiWorkflow(workflow, OBJECT_INFO)).toEqual({ '37:0': { class_type: 'KSamplerSelect', inputs: { sampler_name: 'lcm' }, _meta: { title: 'KSamplerSelect' } } })
  })
})
