import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { assertWorkflowFits, canRun, capableServers, validateWorkflow } from '../../src/core/validate-workflow'
import type { WorkflowCheckError } from '../../src/core/workflow-errors'
import { NoCapableServerError } from '../../src/core/workflow-errors'
import { realObjectInfo, sd15Workflow, withCheckpoints } from '../helpers/object-info'

const REAL = realObjectInfo()
const WITH_SD15 = withCheckpoints(REAL, ['v1-5-pruned-emaonly.ckpt'])

describe('validateWorkflow against the real 0.33.0 /object_info', () => {
  it('finds nothing wrong with the default SD 1.5 workflow on a server that has its checkpoint', () => {
    expect(validateWorkflow(sd15Workflow(), WITH_SD15)).toEqual([])
  })

  it('reports a checkpoint the server does not have, with node, title, input and what is installed', () => {
    const problems = validateWorkflow(sd15Workflow(), withCheckpoints(REAL, ['sdxl.safetensors']))
    expect(problems).toEqual([expect.objectContaining({
      kind: 'value-not-in-options',
      nodeId: '4',
      title: 'Load Checkpoint',
      classType: 'CheckpointLoaderSimple',
      input: 'ckpt_name',
      value: 'v1-5-pruned-emaonly.ckpt',
      allowed: ['sdxl.safetensors'],
    })])
    expect(validateWorkflow(sd15Workflow(), REAL)[0]?.message).toContain('none are installed')
  })

  it('reports an unknown sampler name with the allowed names', () => {
    const wf = sd15Workflow()
    wf['3']!.inputs.sampler_name = 'euler_fast'
    const [problem] = validateWorkflow(wf, WITH_SD15)
    expect(problem).toMatchObject({ kind: 'value-not-in-options', nodeId: '3', input: 'sampler_name', value: 'euler_fast' })
    expect(problem?.allowed).toContain('dpmpp_2m')
    expect(problem?.message).toContain('"euler"')
  })

  it('reports an unknown node type and skips its inputs', () => {
    const wf = sd15Workflow()
    wf['10'] = { class_type: 'UltimateSDUpscale', inputs: { image: ['8', 0], nonsense: 1 }, _meta: { title: 'Upscale' } }
    expect(validateWorkflow(wf, WITH_SD15)).toEqual([expect.objectContaining({ kind: 'unknown-node-type', nodeId: '10', classType: 'UltimateSDUpscale', title: 'Upscale' })])
  })

  it('reports a missing required input', () => {
    const wf = sd15Workflow()
    delete wf['3']!.inputs.steps
    expect(validateWorkflow(wf, WITH_SD15)).toEqual([expect.objectContaining({ kind: 'missing-input', nodeId: '3', input: 'steps' })])
  })

  it.each([
    ['steps', 'twenty', 'wrong-type'],
    ['steps', 0, 'out-of-range'],
    ['cfg', 101, 'out-of-range'],
    ['denoise', true, 'wrong-type'],
    ['model', 'v1-5.ckpt', 'wrong-type'],
  ])('reports %s = %j as %s', (input, value, kind) => {
    const wf = sd15Workflow()
    wf['3']!.inputs[input] = value
    expect(validateWorkflow(wf, WITH_SD15)).toEqual([expect.objectContaining({ kind, nodeId: '3', input, value })])
  })

  it('accepts what ComfyUI converts itself (an INT as a digit string, a number for a STRING)', () => {
    const wf = sd15Workflow()
    wf['3']!.inputs.steps = '12'
    wf['6']!.inputs.text = 42
    expect(validateWorkflow(wf, WITH_SD15)).toEqual([])
  })

  it('reports a BOOLEAN given as a string (Python would read "false" as true)', () => {
    const wf = { 1: { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } }, 2: { class_type: 'LatentUpscale', inputs: { samples: ['1', 0], upscale_method: 'nearest-exact', width: 64, height: 64, crop: 'disabled' } } }
    expect(validateWorkflow(wf, REAL)).toEqual([])
    const webp = { 1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, 2: { class_type: 'SaveAnimatedWEBP', inputs: { images: ['1', 0], filename_prefix: 'x', fps: 6, lossless: 'false', quality: 80, method: 'default' } } }
    expect(validateWorkflow(webp, REAL)).toEqual([expect.objectContaining({ kind: 'wrong-type', input: 'lossless', value: 'false' })])
  })

  it('reports links to a missing node, to a missing output slot and between incompatible types', () => {
    const wf = sd15Workflow()
    wf['8']!.inputs.samples = ['99', 0]
    wf['8']!.inputs.vae = ['4', 3]
    wf['10'] = { class_type: 'PreviewImage', inputs: { images: ['5', 0] } }
    const problems = validateWorkflow(wf, WITH_SD15)
    expect(problems.map(p => [p.kind, p.nodeId, p.input])).toEqual([
      ['link-to-missing-node', '8', 'samples'],
      ['link-to-missing-output', '8', 'vae'],
      ['link-type-mismatch', '10', 'images'],
    ])
    expect(problems[1]?.allowed).toEqual(['MODEL', 'CLIP', 'VAE'])
    expect(problems[2]?.message).toBe('needs IMAGE but output 0 of node 5 (EmptyLatentImage) gives LATENT')
  })

  it('handles the ["COMBO", { options }] form of newer nodes', () => {
    const wf = { 1: { class_type: 'LatentCut', inputs: { samples: ['2', 0], dim: 'z', index: 0, amount: 1 } }, 2: { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } }, 3: { class_type: 'SaveLatent', inputs: { samples: ['1', 0], filename_prefix: 'x' } } }
    expect(validateWorkflow(wf, REAL)).toContainEqual(expect.objectContaining({ kind: 'value-not-in-options', input: 'dim', allowed: ['x', 'y', 't'] }))
  })

  it('leaves LoadImage files and skipped inputs to the server', () => {
    expect(validateWorkflow({ 1: { class_type: 'LoadImage', inputs: { image: 'not-uploaded-yet.png' } } }, REAL)).toEqual([])
    const wf = sd15Workflow()
    wf['3']!.inputs.steps = -1
    expect(validateWorkflow(wf, WITH_SD15, { skip: ['3.steps'] })).toEqual([])
  })
})

describe('assertWorkflowFits', () => {
  it('throws one WORKFLOW_INVALID_FOR_SERVER error listing every problem', () => {
    const wf = sd15Workflow()
    wf['3']!.inputs.sampler_name = 'nope'
    let error: unknown
    try {
      assertWorkflowFits('http://gpu-1:8188', wf, REAL)
    }
    catch (e) {
      error = e
    }
    expect(isComfyTetherError(error, 'WORKFLOW_INVALID_FOR_SERVER')).toBe(true)
    const check = error as WorkflowCheckError
    expect(check.server).toBe('http://gpu-1:8188')
    expect(check.problems.map(p => p.input)).toEqual(['sampler_name', 'ckpt_name'])
    expect(check.message).toMatch(/^\[comfy-tether\] The workflow cannot run on "http:\/\/gpu-1:8188" \(2 problems\): node 3 "KSampler" \(KSampler\) input "sampler_name"/)
    expect(check.message).toContain('{ validate: false }')
  })
})

describe('canRun and capableServers', () => {
  it('names the node types and models a server lacks, and nothing for a capable one', () => {
    const wf = sd15Workflow()
    wf['10'] = { class_type: 'FaceDetailer', inputs: {} }
    expect(canRun(wf, REAL)).toEqual(['ckpt_name "v1-5-pruned-emaonly.ckpt" (node 4)', 'node type FaceDetailer'])
    expect(canRun(sd15Workflow(), WITH_SD15)).toEqual([])
  })

  it('ignores problems that are not about what is installed', () => {
    const wf = sd15Workflow()
    wf['3']!.inputs.steps = 0
    expect(canRun(wf, WITH_SD15)).toEqual([])
  })

  it('keeps only capable servers, and throws NO_CAPABLE_SERVER naming what each lacks', () => {
    const infos = new Map([['http://a', REAL], ['http://b', WITH_SD15]])
    expect(capableServers(sd15Workflow(), infos)).toEqual(['http://b'])
    let error: unknown
    try {
      capableServers(sd15Workflow(), new Map([['http://a', REAL], ['http://c', withCheckpoints(REAL, ['x.ckpt'])]]))
    }
    catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(NoCapableServerError)
    expect((error as NoCapableServerError).code).toBe('NO_CAPABLE_SERVER')
    expect((error as NoCapableServerError).lacks).toEqual({ 'http://a': ['ckpt_name "v1-5-pruned-emaonly.ckpt" (node 4)'], 'http://c': ['ckpt_name "v1-5-pruned-emaonly.ckpt" (node 4)'] })
    expect((error as Error).message).toContain('"http://a" lacks ckpt_name')
  })
})
