import { describe, expect, it } from 'vitest'
import { fromUiWorkflow } from '../../src/core/ui-workflow'
import { validateWorkflow } from '../../src/core/validate-workflow'
import { conversionError, OBJECT_INFO, uiNode, uiWorkflow } from '../helpers/ui-workflow-fixtures'

// V3 nodes as the ComfyUI frontend saves them: a DYNAMICCOMBO's chosen option adds widgets named "<input>.<sub>" right
// after the combo (so their values follow its value in widgets_values); an AUTOGROW and a MATCHTYPE are sockets,
// the grown ones named "<input>.<name>" ("images.image0").

const canvas = uiNode(1, 'EmptyImage', { outputs: [['IMAGE', 'IMAGE']], widgets: [8, 8, 1, 0] })
const save = (id: number, link: number) => uiNode(id, 'SaveImage', { inputs: [['images', 'IMAGE', link]], widgets: ['v3'] })

function resizeNode(widgets: unknown[], inputs: [string, string, number | null][] = [['input', 'IMAGE,MASK', 1]]) {
  return uiNode(2, 'ResizeImageMaskNode', { inputs, outputs: [['resized', 'IMAGE,MASK']], widgets })
}

describe('fromUiWorkflow with V3 dynamic inputs', () => {
  it('maps a DYNAMICCOMBO\'s value and the chosen option\'s widget values to "<input>.<sub>", before the widgets after it', () => {
    const graph = uiWorkflow([canvas, resizeNode(['scale dimensions', 64, 32, 'center', 'area']), save(3, 2)], [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE']])
    const prompt = fromUiWorkflow(graph, OBJECT_INFO)
    expect(prompt['2']!.inputs).toEqual({ 'input': ['1', 0], 'resize_type': 'scale dimensions', 'resize_type.width': 64, 'resize_type.height': 32, 'resize_type.crop': 'center', 'scale_method': 'area' })
    expect(validateWorkflow(prompt, OBJECT_INFO)).toEqual([])
  })

  it('takes as many values as the chosen option has widgets', () => {
    const graph = uiWorkflow([canvas, resizeNode(['scale by multiplier', 0.5, 'bilinear']), save(3, 2)], [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE']])
    expect(fromUiWorkflow(graph, OBJECT_INFO)['2']!.inputs).toEqual({ 'input': ['1', 0], 'resize_type': 'scale by multiplier', 'resize_type.multiplier': 0.5, 'scale_method': 'bilinear' })
  })

  it('links a socket of the chosen option by its dotted name ("resize_type.match")', () => {
    const node = resizeNode(['match size', 'disabled', 'area'], [['input', 'IMAGE,MASK', 1], ['resize_type.match', 'IMAGE,MASK', 3]])
    const graph = uiWorkflow([canvas, node, save(3, 2)], [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE'], [3, 1, 0, 2, 1, 'IMAGE']])
    expect(fromUiWorkflow(graph, OBJECT_INFO)['2']!.inputs).toEqual({ 'input': ['1', 0], 'resize_type': 'match size', 'resize_type.match': ['1', 0], 'resize_type.crop': 'disabled', 'scale_method': 'area' })
  })

  it('reports a value count that fits no option', () => {
    const graph = uiWorkflow([canvas, resizeNode(['scale by multiplier', 0.5, 'bilinear', 'extra']), save(3, 2)], [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE']])
    expect(conversionError(() => fromUiWorkflow(graph, OBJECT_INFO))).toMatchObject({ reason: 'widget-mismatch', nodeId: '2', nodeType: 'ResizeImageMaskNode' })
  })

  it('links an AUTOGROW\'s grown sockets by name and takes no widget values for them', () => {
    const batch = uiNode(2, 'BatchImagesNode', { inputs: [['images.image0', 'IMAGE', 1], ['images.image1', 'IMAGE', 2], ['images.image2', 'IMAGE', null]], outputs: [['IMAGE', 'IMAGE']], widgets: [] })
    const graph = uiWorkflow([canvas, batch, save(3, 3)], [[1, 1, 0, 2, 0, 'IMAGE'], [2, 1, 0, 2, 1, 'IMAGE'], [3, 2, 0, 3, 0, 'IMAGE']])
    const prompt = fromUiWorkflow(graph, OBJECT_INFO)
    expect(prompt['2']!.inputs).toEqual({ 'images.image0': ['1', 0], 'images.image1': ['1', 0] })
    expect(validateWorkflow(prompt, OBJECT_INFO)).toEqual([])
  })
})
