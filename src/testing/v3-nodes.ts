// Two core node types of ComfyUI 0.33.0 written with the V3 schema: their /object_info is the real one
// (object-info-data-v3.ts), their inputs arrive flat as ComfyUI's prompt carries them ("resize_type.width",
// "images.image0"). They run on the simulator's images with nearest-neighbour scaling.
import type { NodeDef, NodeInputs } from './nodes'
import type { SimImage } from './png'
import { REAL_V3_NODE_INFO_0_33 } from './object-info-data-v3'
import { resizeNearest } from './png'

function realInputs(name: string): NodeInputs {
  return (REAL_V3_NODE_INFO_0_33[name]?.() as { input: NodeInputs }).input
}

function isImageBatch(value: unknown): value is SimImage[] {
  return Array.isArray(value) && value.every(v => typeof v === 'object' && v !== null && 'data' in v && (v as SimImage).data instanceof Uint8Array)
}

/** The target size of `resize_type` for an image of `w` x `h` (0 in one dimension keeps the aspect ratio). */
function targetSize(values: Record<string, unknown>, w: number, h: number): [number, number] {
  const sub = (name: string): number => Number(values[`resize_type.${name}`])
  const keep = (width: number, height: number): [number, number] => {
    if (width === 0 && height === 0)
      return [w, h]
    if (width === 0)
      return [Math.max(1, Math.round(w * height / h)), height]
    if (height === 0)
      return [width, Math.max(1, Math.round(h * width / w))]
    return [width, height]
  }
  const scaled = (factor: number): [number, number] => [Math.max(1, Math.round(w * factor)), Math.max(1, Math.round(h * factor))]
  switch (values.resize_type) {
    case 'scale dimensions': return keep(sub('width'), sub('height'))
    case 'scale by multiplier': return scaled(sub('multiplier'))
    case 'scale width': return keep(sub('width'), 0)
    case 'scale height': return keep(0, sub('height'))
    case 'scale longer dimension': return w >= h ? keep(sub('longer_size'), 0) : keep(0, sub('longer_size'))
    case 'scale shorter dimension': return w <= h ? keep(sub('shorter_size'), 0) : keep(0, sub('shorter_size'))
    case 'scale total pixels': return scaled(Math.sqrt(sub('megapixels') * 1024 * 1024 / (w * h)))
    case 'scale to multiple': {
      const m = Math.max(1, sub('multiple'))
      return [Math.max(m, Math.round(w / m) * m), Math.max(m, Math.round(h / m) * m)]
    }
    case 'match size': {
      const [ref] = isImageBatch(values['resize_type.match']) ? values['resize_type.match'] : []
      return ref ? [ref.width, ref.height] : [w, h]
    }
    default: return [w, h]
  }
}

/** `ResizeImageMaskNode`: images are scaled (nearest neighbour, no crop); a mask passes through unchanged. */
export const ResizeImageMaskNode: NodeDef = {
  name: 'ResizeImageMaskNode',
  displayName: () => 'Resize Image/Mask',
  description: 'Resize an image or mask using various scaling methods.',
  category: 'image/transform',
  pythonModule: 'comfy_extras.nodes_post_processing',
  outputNode: false,
  inputs: () => realInputs('ResizeImageMaskNode'),
  returnTypes: () => ['COMFY_MATCHTYPE_V3'],
  returnNames: () => ['resized'],
  run: (values) => {
    if (!isImageBatch(values.input))
      return { outputs: [values.input] }
    return { outputs: [values.input.map(img => resizeNearest(img, ...targetSize(values, img.width, img.height)))] }
  },
}

/** `BatchImagesNode`: the grown `images.image<n>` inputs in order, each scaled to the first one's size. */
export const BatchImagesNode: NodeDef = {
  name: 'BatchImagesNode',
  displayName: () => 'Batch Images',
  description: '',
  category: 'image/batch',
  pythonModule: 'comfy_extras.nodes_post_processing',
  outputNode: false,
  inputs: () => realInputs('BatchImagesNode'),
  returnTypes: () => ['IMAGE'],
  returnNames: () => ['IMAGE'],
  run: (values) => {
    const slots = Object.keys(values).filter(k => /^images\.image\d+$/.test(k)).sort((a, b) => Number(a.slice(12)) - Number(b.slice(12)))
    const all = slots.flatMap(k => (isImageBatch(values[k]) ? values[k] : []))
    const [first] = all
    return { outputs: [first ? all.map(img => (img.width === first.width && img.height === first.height ? img : resizeNearest(img, first.width, first.height))) : []] }
  },
}
