// The checks before POST /prompt judge a workflow as the simulator (and ComfyUI's validate_prompt) does: only the
// output nodes and what they depend on.
import { describe, expect, it } from 'vitest'
import type { ComfyWorkflow } from 'comfy-tether/client'
import { isComfyTetherError } from 'comfy-tether/client'
import type { ComfySimulator } from 'comfy-tether/testing'
import { createComfySimulator } from 'comfy-tether/testing'
import { nodeClient, simulatorPool } from '../helpers/node-client'

const { servers, onClose } = simulatorPool()

const canvas = { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0x204060 } }

function prompts(sim: ComfySimulator): number {
  return sim.requests.filter(r => r.method === 'POST' && r.path === '/prompt').length
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  }
  catch (error) {
    return error
  }
  return undefined
}

describe('workflows ComfyUI runs in part', () => {
  it('sends a workflow with one good and one broken output, runs the good one and shows the server\'s node errors on the task', async () => {
    const { sims: [sim], urls } = await servers(1)
    const workflow: ComfyWorkflow = {
      1: canvas,
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'good' } },
      3: { class_type: 'ImageScale', inputs: { image: ['1', 0], upscale_method: 'nearest-exact', width: 0, height: 99999, crop: 'disabled' } },
      4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'bad' } },
    }
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(workflow)
    const result = await handle.result
    expect(Object.keys(result.outputs)).toEqual(['2'])
    expect(handle.task?.state).toBe('succeeded')
    expect(handle.task?.nodeErrors).toEqual({
      3: expect.objectContaining({ class_type: 'ImageScale', dependent_outputs: ['4'], errors: [expect.objectContaining({ type: 'value_bigger_than_max', details: 'height' })] }),
    })
    expect(prompts(sim!)).toBe(1)
    // Progress counts only what the server runs: the canvas and the good output, not the ignored branch.
    expect(handle.workflow).toMatchObject({ nodesTotal: 2, nodesDone: 2, progress: 1 })
  })

  it('runs a workflow with a disconnected loader naming a model the server lacks', async () => {
    const { urls } = await servers(1)
    const workflow: ComfyWorkflow = {
      1: canvas,
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'kept' } },
      3: { class_type: 'UpscaleModelLoader', inputs: { model_name: 'not-installed.pth' } },
    }
    const client = nodeClient({ servers: urls })
    const result = await (await client.submit(workflow)).result
    expect(Object.keys(result.outputs)).toEqual(['2'])
  })

  it('refuses a workflow without an output node before sending it, as the server would (prompt_no_outputs)', async () => {
    const { sims: [sim], urls } = await servers(1)
    const client = nodeClient({ servers: urls })
    const error = await errorOf(client.submit({ 1: canvas }))
    expect(isComfyTetherError(error, 'WORKFLOW_INVALID_FOR_SERVER')).toBe(true)
    expect(error).toMatchObject({ refusal: 'prompt_no_outputs', server: urls[0] })
    expect(prompts(sim!)).toBe(0)
  })
  it.each(['task', 'session'] as const)('places a workflow where every output can run before a server that lacks a model only one output needs (%s affinity)', async (affinity) => {
    const noModel = await createComfySimulator({ label: 'no-model' })
    const withModel = await createComfySimulator({ label: 'with-model', models: { upscale_models: ['4x.pth'] } })
    onClose(async () => {
      await Promise.all([noModel.close(), withModel.close()])
    })
    const workflow: ComfyWorkflow = {
      1: canvas,
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'plain' } },
      3: { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x.pth' } },
      4: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['3', 0], image: ['1', 0] } },
      5: { class_type: 'SaveImage', inputs: { images: ['4', 0], filename_prefix: 'up' } },
    }
    const client = nodeClient({ servers: [noModel.url, withModel.url], affinity })
    const result = await (await client.submit(workflow)).result
    expect(result.server).toBe(withModel.url)
    expect(Object.keys(result.outputs).sort()).toEqual(['2', '5'])
    expect(prompts(noModel)).toBe(0)
  })

  it('sends a workflow to the only server even when it lacks a model one of two outputs needs: the other output runs', async () => {
    const { urls } = await servers(1)
    const workflow: ComfyWorkflow = {
      1: canvas,
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'plain' } },
      3: { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x.pth' } },
      4: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['3', 0], image: ['1', 0] } },
      5: { class_type: 'SaveImage', inputs: { images: ['4', 0], filename_prefix: 'up' } },
    }
    const client = nodeClient({ servers: urls })
    const handle = await client.submit(workflow)
    expect(Object.keys((await handle.result).outputs)).toEqual(['2'])
    expect(Object.keys(handle.task?.nodeErrors ?? {})).toEqual(['3'])
  })
})
