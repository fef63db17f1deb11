import type { NodeDef } from './nodes'
import type { SimImage } from './png'
import { PyException, simFrame } from './node-errors'
import { resizeNearest } from './png'

/** What the simulated upscale model is: a factor read from its file name (`4x-UltraSharp.pth` → 4; else 2). */
interface SimUpscaleModel {
  name: string
  scale: number
}

function scaleOf(name: string): number {
  const m = /(\d+)x/i.exec(name)
  const n = m ? Number(m[1]) : 2
  return n >= 1 && n <= 8 ? n : 2
}

/** ComfyUI's UpscaleModelLoader: takes a file of `models/upscale_models`. */
export const UpscaleModelLoader: NodeDef = {
  name: 'UpscaleModelLoader',
  displayName: () => 'Load Upscale Model',
  description: '',
  category: 'model/loaders',
  pythonModule: 'comfy_extras.nodes_upscale_model',
  outputNode: false,
  inputs: files => ({ required: { model_name: [[...(files.installation.models.upscale_models ?? [])]] } }),
  returnTypes: () => ['UPSCALE_MODEL'],
  returnNames: () => ['UPSCALE_MODEL'],
  run: values => ({ outputs: [{ name: String(values.model_name), scale: scaleOf(String(values.model_name)) } satisfies SimUpscaleModel] }),
}

/** ComfyUI's ImageUpscaleWithModel, as a nearest-neighbour resize by the model's factor. */
export const ImageUpscaleWithModel: NodeDef = {
  name: 'ImageUpscaleWithModel',
  displayName: () => 'Upscale Image (using Model)',
  description: '',
  category: 'image/upscaling',
  pythonModule: 'comfy_extras.nodes_upscale_model',
  outputNode: false,
  inputs: () => ({ required: { upscale_model: ['UPSCALE_MODEL', {}], image: ['IMAGE', {}] } }),
  returnTypes: () => ['IMAGE'],
  returnNames: () => ['IMAGE'],
  run: (values) => {
    const model = values.upscale_model as SimUpscaleModel | undefined
    if (!model || typeof model.scale !== 'number')
      throw new PyException('AttributeError', '\'NoneType\' object has no attribute \'scale\'', [simFrame('upscale', 'in_img = image.movedim(-1,-3)')])
    const batch = Array.isArray(values.image) ? values.image as SimImage[] : []
    return { outputs: [batch.map(img => resizeNearest(img, img.width * model.scale, img.height * model.scale))] }
  },
}
