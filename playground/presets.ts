import type { ComfyWorkflow } from 'comfy-tether'

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
}

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
]

/** The ids of a workflow's LoadImage nodes: where an uploaded image goes. */
export function loadImageNodes(workflow: ComfyWorkflow): string[] {
  return Object.entries(workflow).filter(([, node]) => node.class_type === 'LoadImage').map(([id]) => id)
}
