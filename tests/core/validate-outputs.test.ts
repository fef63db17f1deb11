import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { assertWorkflowFits, canRun, judgeWorkflow, validateWorkflow } from '../../src/core/validate-workflow'
import type { ComfyWorkflow } from '../../src/core/validate-input'
import type { WorkflowCheckError } from '../../src/core/workflow-errors'
import { realObjectInfo, sd15Workflow, withCheckpoints } from '../helpers/object-info'

const REAL = realObjectInfo()
const WITH_SD15 = withCheckpoints(REAL, ['v1-5-pruned-emaonly.ckpt'])

/** The only classes a workflow names, as `GET /object_info/{class}` gives them one by one. */
function only(workflow: ComfyWorkflow): typeof REAL {
  return Object.fromEntries(Object.values(workflow).map(n => [n.class_type, REAL[n.class_type]!]))
}

function thrown(run: () => void): unknown {
  try {
    run()
  }
  catch (error) {
    return error
  }
  return undefined
}

const image = { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }

describe('only what the outputs depend on is checked, as ComfyUI validate_prompt does', () => {
  it('lets a broken node that feeds no output through: the server runs the workflow', () => {
    const wf = sd15Workflow()
    wf['20'] = { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'not-installed.safetensors' } }
    wf['21'] = { class_type: 'KSampler', inputs: { steps: 0 } }
    expect(validateWorkflow(wf, WITH_SD15)).toEqual([])
    expect(() => assertWorkflowFits('http://a:8188', wf, WITH_SD15)).not.toThrow()
  })

  it('does not count a disconnected loader\'s missing model as something the server lacks', () => {
    const wf = sd15Workflow()
    wf['20'] = { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'not-installed.safetensors' } }
    expect(canRun(wf, WITH_SD15)).toEqual([])
    expect(canRun(wf, WITH_SD15, { everyOutput: true })).toEqual([])
  })

  it('sends a workflow whose one output passes and names what breaks the other', () => {
    const wf: ComfyWorkflow = {
      1: image,
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'good' } },
      3: { class_type: 'ImageScale', inputs: { image: ['1', 0], upscale_method: 'nearest-exact', width: 0, height: 8, crop: 'nowhere' } },
      4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'bad' } },
    }
    const verdict = judgeWorkflow(wf, REAL)
    expect(verdict).toMatchObject({ outputs: ['2', '4'], runnable: ['2'], refused: false })
    expect(verdict.problems).toEqual([expect.objectContaining({ nodeId: '3', input: 'crop', kind: 'value-not-in-options' })])
    expect(() => assertWorkflowFits('http://a:8188', wf, REAL)).not.toThrow()
  })

  it('counts a model only one of two outputs lacks as lacking only when every output must run', () => {
    const wf = sd15Workflow()
    wf['20'] = { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'not-installed.safetensors' } }
    wf['21'] = { class_type: 'VAEDecode', inputs: { samples: ['5', 0], vae: ['20', 2] } }
    wf['22'] = { class_type: 'SaveImage', inputs: { images: ['21', 0], filename_prefix: 'x' } }
    expect(canRun(wf, WITH_SD15)).toEqual([])
    expect(canRun(wf, WITH_SD15, { everyOutput: true })).toEqual(['ckpt_name "not-installed.safetensors" (node 20)'])
  })

  it('refuses a workflow with no output node as the server would (prompt_no_outputs)', () => {
    const wf = { 1: image }
    const error = thrown(() => assertWorkflowFits('http://a:8188', wf, only(wf)))
    expect(isComfyTetherError(error, 'WORKFLOW_INVALID_FOR_SERVER')).toBe(true)
    expect((error as WorkflowCheckError).refusal).toBe('prompt_no_outputs')
    expect((error as WorkflowCheckError).problems).toEqual([])
    expect((error as Error).message).toContain('no output node')
    expect((error as Error).message).toContain('"http://a:8188"')
  })

  it('refuses a workflow whose every output is broken, listing the problems', () => {
    const wf = { 1: { ...image, inputs: { ...image.inputs, width: 0 } }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } } }
    const error = thrown(() => assertWorkflowFits('http://a:8188', wf, only(wf))) as WorkflowCheckError
    expect(error.refusal).toBe('prompt_outputs_failed_validation')
    expect(error.problems).toEqual([expect.objectContaining({ nodeId: '1', input: 'width', kind: 'out-of-range' })])
  })
})

describe('upload combos', () => {
  it.each([
    ['LoadAudio', 'audio', 'uploaded-after.mp3'],
    ['LoadVideo', 'file', 'uploaded-after.mp4'],
  ])('leaves %s\'s file to the server, as it may be uploaded after /object_info was read', (classType, input, file) => {
    const wf = { 1: { class_type: classType, inputs: { [input]: file } }, 2: { class_type: 'PreviewAny', inputs: { source: ['1', 0] } } }
    expect(validateWorkflow(wf, only(wf))).toEqual([])
  })
})
