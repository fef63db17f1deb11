// A workflow of V3 nodes (dynamic inputs) passes the checks before POST /prompt and runs, as on ComfyUI 0.33.0.
import { describe, expect, it } from 'vitest'
import type { ComfyWorkflow } from 'comfy-tether/client'
import { isComfyTetherError } from 'comfy-tether/client'
import { nodeClient, simulatorPool } from '../helpers/node-client'

const { servers } = simulatorPool()

function workflow(multiplier: number): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0x405060 } },
    2: { class_type: 'ResizeImageMaskNode', inputs: { 'input': ['1', 0], 'resize_type': 'scale by multiplier', 'resize_type.multiplier': multiplier, 'scale_method': 'area' } },
    3: { class_type: 'BatchImagesNode', inputs: { 'images.image0': ['2', 0], 'images.image1': ['1', 0] } },
    4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'v3' } },
  }
}

describe('V3 node schemas', () => {
  it('runs a workflow of ResizeImageMaskNode (DYNAMICCOMBO, MATCHTYPE) and BatchImagesNode (AUTOGROW)', async () => {
    const { urls } = await servers(1)
    const client = nodeClient({ servers: urls })
    const result = await (await client.submit(workflow(0.5))).result
    expect(result.images).toHaveLength(2)
  })

  it('refuses a DYNAMICCOMBO sub-input above its max before sending, naming the dotted input', async () => {
    const { sims: [sim], urls } = await servers(1)
    const client = nodeClient({ servers: urls })
    const error = await client.submit(workflow(50)).then(() => undefined, (e: unknown) => e)
    expect(isComfyTetherError(error, 'WORKFLOW_INVALID_FOR_SERVER')).toBe(true)
    expect((error as Error).message).toContain('input "resize_type.multiplier": 50 is above the maximum 8')
    expect(sim!.requests.filter(r => r.method === 'POST' && r.path === '/prompt')).toHaveLength(0)
  })
})
