import { describe, expect, it } from 'vitest'
import { validateWorkflow } from '../../src/core/validate-workflow'
import type { ComfyWorkflow } from '../../src/core/validate-input'
import { realObjectInfo } from '../helpers/object-info'

// What ComfyUI 0.33.0 answered for these prompts is in tests/fixtures/comfyui/PROTOCOL.md ("V3 dynamic inputs").
const REAL = realObjectInfo()

/** The only classes a workflow names, as `GET /object_info/{class}` gives them one by one. */
function only(workflow: ComfyWorkflow): typeof REAL {
  return Object.fromEntries(Object.values(workflow).map(n => [n.class_type, REAL[n.class_type]!]))
}

function resize(inputs: Record<string, unknown>): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
    2: { class_type: 'ResizeImageMaskNode', inputs: { input: ['1', 0], scale_method: 'area', ...inputs } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
  }
}

function problemsOf(workflow: ComfyWorkflow): { kind: string, nodeId: string, input?: string }[] {
  return validateWorkflow(workflow, only(workflow)).map(({ kind, nodeId, input }) => ({ kind, nodeId, ...(input ? { input } : {}) }))
}

describe('V3 dynamic inputs (COMFY_DYNAMICCOMBO_V3, COMFY_AUTOGROW_V3, COMFY_MATCHTYPE_V3)', () => {
  it('accepts a DYNAMICCOMBO with the chosen option\'s sub-inputs sent as "<input>.<sub>", and a MATCHTYPE output into IMAGE', () => {
    expect(problemsOf(resize({ 'resize_type': 'scale dimensions', 'resize_type.width': 4, 'resize_type.height': 4, 'resize_type.crop': 'center' }))).toEqual([])
    expect(problemsOf(resize({ 'resize_type': 'scale by multiplier', 'resize_type.multiplier': 0.5 }))).toEqual([])
  })

  it('checks the chosen option\'s sub-inputs: min/max and combo options', () => {
    expect(problemsOf(resize({ 'resize_type': 'scale by multiplier', 'resize_type.multiplier': 50 }))).toEqual([{ kind: 'out-of-range', nodeId: '2', input: 'resize_type.multiplier' }])
    expect(problemsOf(resize({ 'resize_type': 'scale dimensions', 'resize_type.width': 4, 'resize_type.height': 4, 'resize_type.crop': 'edges' }))).toEqual([{ kind: 'value-not-in-options', nodeId: '2', input: 'resize_type.crop' }])
  })

  it('reports the chosen option\'s sub-input as missing when it is absent, undotted, or only another option\'s is given', () => {
    const missing = [{ kind: 'missing-input', nodeId: '2', input: 'resize_type.multiplier' }]
    expect(problemsOf(resize({ resize_type: 'scale by multiplier' }))).toEqual(missing)
    expect(problemsOf(resize({ resize_type: 'scale by multiplier', multiplier: 0.5 }))).toEqual(missing)
    expect(problemsOf(resize({ 'resize_type': 'scale by multiplier', 'resize_type.longer_size': 8 }))).toEqual(missing)
  })

  it('leaves a DYNAMICCOMBO key that is no option, and a MATCHTYPE input linked from another type, to the server (it accepts both)', () => {
    expect(problemsOf(resize({ resize_type: 'bogus' }))).toEqual([])
    const wf = resize({ 'resize_type': 'scale by multiplier', 'resize_type.multiplier': 0.5 })
    wf['4'] = { class_type: 'PrimitiveString', inputs: { value: 'x' } }
    wf['2']!.inputs.input = ['4', 0]
    expect(problemsOf(wf)).toEqual([])
  })

  it('accepts an AUTOGROW\'s grown inputs ("images.image0", "images.image1", …) and wants its first `min` of them', () => {
    const batch = (inputs: Record<string, unknown>): ComfyWorkflow => ({
      1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      2: { class_type: 'BatchImagesNode', inputs },
      3: { class_type: 'PreviewImage', inputs: { images: ['2', 0] } },
    })
    expect(problemsOf(batch({ 'images.image0': ['1', 0], 'images.image1': ['1', 0] }))).toEqual([])
    expect(problemsOf(batch({ 'images.image0': ['1', 0] }))).toEqual([])
    expect(problemsOf(batch({}))).toEqual([{ kind: 'missing-input', nodeId: '2', input: 'images.image0' }])
  })

  it('checks the type of a link into an AUTOGROW slot like any other input', () => {
    const wf: ComfyWorkflow = {
      1: { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
      2: { class_type: 'BatchImagesNode', inputs: { 'images.image0': ['1', 0] } },
      3: { class_type: 'PreviewImage', inputs: { images: ['2', 0] } },
    }
    expect(problemsOf(wf)).toEqual([{ kind: 'link-type-mismatch', nodeId: '2', input: 'images.image0' }])
  })

  it('grows an AUTOGROW with named slots (StringFormat: a, b, … none required)', () => {
    const wf: ComfyWorkflow = {
      1: { class_type: 'StringFormat', inputs: { 'f_string': '{a}-{b}', 'values.a': 'x', 'values.b': 2 } },
      2: { class_type: 'PreviewAny', inputs: { source: ['1', 0] } },
    }
    expect(problemsOf(wf)).toEqual([])
    wf['1']!.inputs = { f_string: 'plain' }
    expect(problemsOf(wf)).toEqual([])
  })
})
