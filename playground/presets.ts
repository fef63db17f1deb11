import type { ComfyWorkflow, WorkflowTemplate } from 'comfy-tether'
import { defineWorkflow } from 'comfy-tether'

/** One named parameter of a template preset, as a form field. */
export interface ParamField {
  name: string
  label: string
  kind: 'text' | 'number' | 'file'
  /** The initial value. */
  initial: string | number
}

/** A ready-made workflow of the playground. */
export interface Preset {
  id: string
  label: string
  /** One line for people. */
  description: string
  /** Does it start from an uploaded image (a LoadImage node)? */
  needsImage: boolean
  /** The workflow in ComfyUI's API format, given the uploaded image's size when there is one. */
  build: (image: { width: number, height: number } | null) => ComfyWorkflow
  /** A template preset: submitted as `submit(template, values)` with one form field per parameter. */
  template?: { workflow: WorkflowTemplate, fields: readonly ParamField[] }
}

/** An upscale that needs a model: only servers with `upscale_models/4x-UltraSharp.pth` can run it. */
const upscaleTemplate = defineWorkflow({
  1: { class_type: 'LoadImage', inputs: { image: 'example.png' }, _meta: { title: 'Photo' } },
  2: { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x-UltraSharp.pth' }, _meta: { title: 'Upscaler' } },
  3: { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['2', 0], image: ['1', 0] } },
  4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'playground-upscale' }, _meta: { title: 'Save' } },
}, { params: { image: 'Photo.image', model: 'Upscaler.model_name', prefix: 'Save.filename_prefix' } })

/** A colour swatch with slow progress: runs anywhere. */
const swatchTemplate = defineWorkflow({
  1: { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0x3A7BD5 }, _meta: { title: 'Canvas' } },
  2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 6, seconds: 3, preview: true, progress_text: false }, _meta: { title: 'Slow' } },
  3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'playground-swatch' }, _meta: { title: 'Save' } },
}, { params: { color: 'Canvas.color', steps: 'Slow.steps', prefix: 'Save.filename_prefix' } })

/** LoadImage's `image` input is replaced by the uploaded file's name at submit time. */
const loadImage = { class_type: 'LoadImage', inputs: { image: 'example.png' } }

export const PRESETS: readonly Preset[] = [
  {
    id: 'invert',
    label: 'Invert',
    description: 'LoadImage → ImageInvert → SaveImage',
    needsImage: true,
    build: () => ({
      1: loadImage,
      2: { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'playground-invert' } },
    }),
  },
  {
    id: 'scale',
    label: 'Scale 2×',
    description: 'LoadImage → ImageScale (twice the size) → SaveImage',
    needsImage: true,
    build: image => ({
      1: loadImage,
      2: {
        class_type: 'ImageScale',
        inputs: { image: ['1', 0], upscale_method: 'nearest-exact', width: (image?.width ?? 256) * 2, height: (image?.height ?? 256) * 2, crop: 'disabled' },
      },
      3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'playground-scale' } },
    }),
  },
  {
    id: 'slow',
    label: 'Slow demo',
    description: 'LoadImage → TestSlowProgress (8 steps, 4 s, previews) → ImageInvert → SaveImage',
    needsImage: true,
    build: () => ({
      1: loadImage,
      2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 8, seconds: 4, preview: true, progress_text: false } },
      3: { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
      4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'playground-slow' } },
    }),
  },
  {
    id: 'empty',
    label: 'Empty image',
    description: 'EmptyImage (64×64, one colour) → SaveImage; no upload needed',
    needsImage: false,
    build: () => ({
      1: { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0x3A7BD5 } },
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'playground-empty' } },
    }),
  },
  {
    id: 'swatch',
    label: 'Swatch (template)',
    description: 'A template with parameters: EmptyImage (colour) → TestSlowProgress (steps) → SaveImage (prefix)',
    needsImage: false,
    build: () => swatchTemplate.workflow as ComfyWorkflow,
    template: {
      workflow: swatchTemplate,
      fields: [
        { name: 'color', label: 'Colour (0xRRGGBB as a number)', kind: 'number', initial: 0x3A7BD5 },
        { name: 'steps', label: 'Steps', kind: 'number', initial: 6 },
        { name: 'prefix', label: 'File name prefix', kind: 'text', initial: 'playground-swatch' },
      ],
    },
  },
  {
    id: 'upscale',
    label: 'Upscale 4× (template, needs a model)',
    description: 'LoadImage → UpscaleModelLoader → ImageUpscaleWithModel → SaveImage; only servers with the model can run it',
    needsImage: true,
    build: () => upscaleTemplate.workflow as ComfyWorkflow,
    template: {
      workflow: upscaleTemplate,
      fields: [
        { name: 'image', label: 'Image (the file chosen above)', kind: 'file', initial: '' },
        { name: 'model', label: 'Upscale model', kind: 'text', initial: '4x-UltraSharp.pth' },
        { name: 'prefix', label: 'File name prefix', kind: 'text', initial: 'playground-upscale' },
      ],
    },
  },
]

/** The ids of a workflow's LoadImage nodes: where an uploaded image goes. */
export function loadImageNodes(workflow: ComfyWorkflow): string[] {
  return Object.entries(workflow).filter(([, node]) => node.class_type === 'LoadImage').map(([id]) => id)
}
