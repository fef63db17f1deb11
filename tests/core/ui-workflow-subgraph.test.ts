import type { UiNode, UiSubgraphDefinition, UiWorkflow } from '../../src/core/ui-workflow'
import { describe, expect, it } from 'vitest'
import { fromUiWorkflow } from '../../src/core/ui-workflow'
import { checkpoint, conversionError, OBJECT_INFO, uiNode, uiWorkflow } from '../helpers/ui-workflow-fixtures'

// No published pair has a subgraph and a genuine frontend API export (see the pairs' README), so these graphs are
// built by hand in the frontend's serialisation schema (ExportedSubgraph): a definition in `definitions.subgraphs`
// with its own nodes and object links, where origin -10 is the subgraph's input node and target -20 its output node,
// and instances are nodes whose type is the definition's id.

const ENCODE_ID = '4f9c7a1e-0000-4000-8000-000000000001'
const OUTER_ID = '4f9c7a1e-0000-4000-8000-000000000002'

const io = (id: string, name: string, type: string, linkIds: number[]) => ({ id, name, type, linkIds })
const bounding = [0, 0, 100, 100]

/** A subgraph that encodes "a cat" with the CLIP it gets, through a reroute inside it. */
const encodeDefinition: UiSubgraphDefinition = {
  id: ENCODE_ID,
  name: 'Encode',
  version: 1,
  inputNode: { id: -10, bounding },
  outputNode: { id: -20, bounding },
  inputs: [io('in-clip', 'clip', 'CLIP', [1])],
  outputs: [io('out-cond', 'CONDITIONING', 'CONDITIONING', [3])],
  nodes: [
    uiNode(1, 'Reroute', { inputs: [['', '*', 1]], outputs: [['', '*']] }),
    uiNode(2, 'CLIPTextEncode', { inputs: [['clip', 'CLIP', 2]], outputs: [['CONDITIONING', 'CONDITIONING']], widgets: ['a cat'], title: 'Inner prompt' }),
  ],
  links: [
    { id: 1, origin_id: -10, origin_slot: 0, target_id: 1, target_slot: 0, type: 'CLIP' },
    { id: 2, origin_id: 1, origin_slot: 0, target_id: 2, target_slot: 0, type: 'CLIP' },
    { id: 3, origin_id: 2, origin_slot: 0, target_id: -20, target_slot: 0, type: 'CONDITIONING' },
  ],
}

const instance = (id: number, type: string, clipLink: number | null, extra: Partial<UiNode> = {}): UiNode => ({
  ...uiNode(id, type, { inputs: [['clip', 'CLIP', clipLink]], outputs: [['CONDITIONING', 'CONDITIONING']] }),
  ...extra,
})

const sampler = (positive: number, negative: number | null): UiNode => uiNode(3, 'KSampler', {
  inputs: [['model', 'MODEL', 9], ['positive', 'CONDITIONING', positive], ['negative', 'CONDITIONING', negative], ['latent_image', 'LATENT']],
  outputs: [['LATENT', 'LATENT']],
  widgets: [1, 'fixed', 20, 8, 'euler', 'normal', 1],
})

/** Checkpoint 4 → two instances (10, 11) of Encode → KSampler 3. */
function twoInstances(definitions: UiSubgraphDefinition[] = [encodeDefinition]): UiWorkflow {
  return uiWorkflow(
    [checkpoint(4), instance(10, ENCODE_ID, 1), instance(11, ENCODE_ID, 2), sampler(3, 4)],
    [[1, 4, 1, 10, 0, 'CLIP'], [2, 4, 1, 11, 0, 'CLIP'], [3, 10, 0, 3, 1, 'CONDITIONING'], [4, 11, 0, 3, 2, 'CONDITIONING'], [9, 4, 0, 3, 0, 'MODEL']],
    { definitions: { subgraphs: definitions } },
  )
}

describe('fromUiWorkflow subgraphs', () => {
  it('expands each instance into its inner nodes with ids "<instanceId>:<innerId>" and links across the boundary', () => {
    const prompt = fromUiWorkflow(twoInstances(), OBJECT_INFO)
    expect(Object.keys(prompt).sort()).toEqual(['10:2', '11:2', '3', '4'])
    for (const id of ['10:2', '11:2'])
      expect(prompt[id]).toEqual({ class_type: 'CLIPTextEncode', inputs: { text: 'a cat', clip: ['4', 1] }, _meta: { title: 'Inner prompt' } })
    expect(prompt['3']!.inputs).toMatchObject({ positive: ['10:2', 0], negative: ['11:2', 0], model: ['4', 0] })
  })

  it('expands nested subgraphs with one id segment per level', () => {
    const outer: UiSubgraphDefinition = {
      id: OUTER_ID,
      name: 'Outer',
      inputNode: { id: -10, bounding },
      outputNode: { id: -20, bounding },
      inputs: [io('in', 'clip', 'CLIP', [1])],
      outputs: [io('out', 'CONDITIONING', 'CONDITIONING', [2])],
      nodes: [instance(7, ENCODE_ID, 1)],
      links: [
        { id: 1, origin_id: -10, origin_slot: 0, target_id: 7, target_slot: 0, type: 'CLIP' },
        { id: 2, origin_id: 7, origin_slot: 0, target_id: -20, target_slot: 0, type: 'CONDITIONING' },
      ],
      definitions: { subgraphs: [encodeDefinition] },
    }
    const workflow = uiWorkflow(
      [checkpoint(4), instance(10, OUTER_ID, 1), sampler(2, null)],
      [[1, 4, 1, 10, 0, 'CLIP'], [2, 10, 0, 3, 1, 'CONDITIONING'], [9, 4, 0, 3, 0, 'MODEL']],
      { definitions: { subgraphs: [outer] } },
    )
    const prompt = fromUiWorkflow(workflow, OBJECT_INFO)
    expect(Object.keys(prompt).sort()).toEqual(['10:7:2', '3', '4'])
    expect(prompt['10:7:2']!.inputs.clip).toEqual(['4', 1])
    expect(prompt['3']!.inputs.positive).toEqual(['10:7:2', 0])
  })

  it('leaves an inner input unset when the instance\'s input has no link', () => {
    const workflow = twoInstances()
    const unlinked = { ...workflow, nodes: workflow.nodes.map(node => node.id === 11 ? instance(11, ENCODE_ID, null) : node) }
    expect(fromUiWorkflow(unlinked, OBJECT_INFO)['11:2']!.inputs).toEqual({ text: 'a cat' })
  })

  it('refuses an unlinked promoted widget, whose per-instance value it does not map', () => {
    const withWidget = { ...encodeDefinition, inputs: [io('in-text', 'text', 'STRING', [1])], links: [{ id: 1, origin_id: -10, origin_slot: 0, target_id: 2, target_slot: 1, type: 'STRING' }] }
    withWidget.nodes = [uiNode(2, 'CLIPTextEncode', { inputs: [['clip', 'CLIP'], ['text', 'STRING', 1, true]], outputs: [['CONDITIONING', 'CONDITIONING']], widgets: ['a cat'] })]
    const promoted = uiNode(10, ENCODE_ID, { inputs: [['text', 'STRING', null, true]], outputs: [['CONDITIONING', 'CONDITIONING']], widgets: ['a dog'] })
    const workflow = uiWorkflow([promoted], [], { definitions: { subgraphs: [withWidget] } })
    expect(conversionError(() => fromUiWorkflow(workflow, OBJECT_INFO))).toMatchObject({ reason: 'unsupported', nodeId: '10', nodeType: ENCODE_ID })
  })

  it.each([[2, 'muted'], [4, 'bypassed']])('refuses a subgraph instance in mode %i (%s)', (mode) => {
    const workflow = twoInstances()
    const changed = { ...workflow, nodes: workflow.nodes.map(node => node.id === 10 ? { ...node, mode } : node) }
    expect(conversionError(() => fromUiWorkflow(changed, OBJECT_INFO))).toMatchObject({ reason: 'unsupported', nodeId: '10' })
  })

  it('refuses a subgraph that contains an instance of itself', () => {
    const selfNesting = { ...encodeDefinition, nodes: [...encodeDefinition.nodes, instance(5, ENCODE_ID, null)] }
    expect(conversionError(() => fromUiWorkflow(twoInstances([selfNesting]), OBJECT_INFO))).toMatchObject({ reason: 'cycle', nodeId: '10:5' })
  })

  it('names inner nodes by their execution id when their class is missing', () => {
    const custom = { ...encodeDefinition, nodes: [encodeDefinition.nodes[0]!, { ...encodeDefinition.nodes[1]!, type: 'FancyEncode' }] }
    const error = conversionError(() => fromUiWorkflow(twoInstances([custom]), OBJECT_INFO))
    expect(error).toMatchObject({ reason: 'missing-node-type', nodeId: '10:2', nodeType: 'FancyEncode', missingNodeTypes: ['FancyEncode'] })
  })
})
