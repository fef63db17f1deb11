import type { ComfyWorkflow, UiWorkflow, WorkflowTemplate } from 'comfy-tether'
import { defineWorkflow, isUiWorkflow } from 'comfy-tether'

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
  /** The workflow in ComfyUI's API format (or its UI format, as "Save" writes it), given the uploaded image's size when there is one. */
  build: (image: { width: number, height: number } | null) => ComfyWorkflow | UiWorkflow
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

/**
 * The invert workflow as ComfyUI's "Save" writes it (UI format, schema 0.4): LoadImage → Reroute → ImageInvert →
 * SaveImage, and a muted PreviewImage. The store converts it with the /object_info of the server it places it on.
 */
function invertUiGraph(): UiWorkflow {
  return {
    last_node_id: 5,
    last_link_id: 4,
    nodes: [
      { id: 1, type: 'LoadImage', title: 'Photo', pos: [0, 0], size: [315, 314], flags: {}, order: 0, mode: 0, outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1], slot_index: 0 }, { name: 'MASK', type: 'MASK', links: null }], properties: {}, widgets_values: ['example.png', 'image'] },
      { id: 4, type: 'Reroute', pos: [350, 0], size: [75, 26], flags: {}, order: 1, mode: 0, inputs: [{ name: '', type: '*', link: 1 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [2], slot_index: 0 }], properties: { showOutputText: true, horizontal: false } },
      { id: 2, type: 'ImageInvert', pos: [450, 0], size: [210, 26], flags: {}, order: 2, mode: 0, inputs: [{ name: 'image', type: 'IMAGE', link: 2 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [3, 4], slot_index: 0 }], properties: {} },
      { id: 3, type: 'SaveImage', title: 'Save', pos: [700, 0], size: [315, 270], flags: {}, order: 3, mode: 0, inputs: [{ name: 'images', type: 'IMAGE', link: 3 }], properties: {}, widgets_values: ['playground-invert-ui'] },
      { id: 5, type: 'PreviewImage', title: 'Muted preview', pos: [700, 300], size: [315, 270], flags: {}, order: 4, mode: 2, inputs: [{ name: 'images', type: 'IMAGE', link: 4 }], properties: {} },
    ],
    links: [[1, 1, 0, 4, 0, 'IMAGE'], [2, 4, 0, 2, 0, 'IMAGE'], [3, 2, 0, 3, 0, 'IMAGE'], [4, 2, 0, 5, 0, 'IMAGE']],
    groups: [],
    config: {},
    extra: {},
    version: 0.4,
  }
}

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
    id: 'invert-ui',
    label: 'Invert (UI format)',
    description: 'The invert workflow as ComfyUI\'s "Save" writes it (with a Reroute and a muted node): converted with the server\'s /object_info',
    needsImage: true,
    build: invertUiGraph,
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

/** The ids of a workflow's LoadImage nodes (in a UI-format one: those that run, neither muted nor bypassed): where an uploaded image goes. */
export function loadImageNodes(workflow: ComfyWorkflow | UiWorkflow): string[] {
  if (isUiWorkflow(workflow))
    return workflow.nodes.filter(n => n.type === 'LoadImage' && n.mode !== 2 && n.mode !== 4).map(n => String(n.id))
  return Object.entries(workflow).filter(([, node]) => node.class_type === 'LoadImage').map(([id]) => id)
}
