import type { FileRef, FileStore, FolderType } from './files'
import type { SimImage } from './png'
import type { SimulatorVersion } from './types'
import { normalizeRelative, parseAnnotated, sha256 } from './files'
import { PyException, simFrame } from './node-errors'
import { ImageUpscaleWithModel, UpscaleModelLoader } from './model-nodes'
import { BatchImagesNode, ResizeImageMaskNode } from './v3-nodes'
import { createImage, cropImage, decodePng, encodePng, invertImage, isPng, jpegSize, resizeNearest, thumbnail } from './png'

/** `("INT", {"default": 5})`: a type (or a combo list) and its options. */
export type InputSpec = readonly [type: string | readonly string[], options?: Readonly<Record<string, unknown>>]

export interface NodeInputs {
  required: Record<string, InputSpec>
  optional?: Record<string, InputSpec>
  hidden?: Record<string, string>
}

/** A batch of masks (LoadImage's second output). */
export interface SimMask {
  width: number
  height: number
  data: Float32Array
}

/** What a node gets while it runs. */
export interface NodeRunContext {
  readonly nodeId: string
  readonly promptId: string
  readonly prompt: Readonly<Record<string, unknown>>
  readonly files: FileStore
  readonly speed: number
  /** Sleep (scaled by nothing: callers divide by `speed`); rejects when the simulator restarts or closes. */
  sleep(ms: number): Promise<void>
  /** The progress hook: throws InterruptProcessing when interrupted, else sends progress (and a preview PNG). */
  progress(value: number, max: number, previewPng?: Uint8Array): void
  /** `send_progress_text` without a sid: a binary TEXT frame to every socket. */
  text(text: string): void
}

export interface NodeResult {
  outputs: unknown[]
  ui?: { images: FileRef[] }
}

export interface NodeDef {
  name: string
  displayName: (version: SimulatorVersion) => string
  description: string
  category: string
  pythonModule: string
  outputNode: boolean
  inputs: (files: FileStore) => NodeInputs
  returnTypes: (version: SimulatorVersion) => string[]
  returnNames: (version: SimulatorVersion) => string[]
  searchAliases?: string[]
  essentialsCategory?: string
  /** Inputs checked by `validateInputs` instead of their type (ComfyUI's VALIDATE_INPUTS). */
  validated?: string[]
  validateInputs?: (values: Record<string, unknown>, files: FileStore) => true | string
  /** ComfyUI's IS_CHANGED: part of the cache key. */
  isChanged?: (values: Record<string, unknown>, files: FileStore) => string
  run: (values: Record<string, unknown>, ctx: NodeRunContext) => NodeResult | Promise<NodeResult>
}

const IMAGE_EXTENSIONS = /\.(?:png|jpe?g|webp|gif|bmp|tiff?)$/i

function images(value: unknown): SimImage[] {
  return Array.isArray(value) ? value as SimImage[] : []
}

function resolveInputFile(name: string): { type: FolderType, rel: string } | null {
  const { name: file, type } = parseAnnotated(name, 'input')
  const rel = normalizeRelative(file)
  return rel ? { type, rel } : null
}

const LoadImage: NodeDef = {
  name: 'LoadImage',
  displayName: () => 'Load Image',
  description: '',
  category: 'image',
  pythonModule: 'nodes',
  outputNode: false,
  inputs: files => ({ required: { image: [files.list('input').filter(n => IMAGE_EXTENSIONS.test(n)), { image_upload: true }] } }),
  returnTypes: () => ['IMAGE', 'MASK'],
  returnNames: () => ['IMAGE', 'MASK'],
  searchAliases: ['load image', 'open image', 'import image', 'image input', 'upload image', 'read image', 'image loader'],
  essentialsCategory: 'Basics',
  validated: ['image'],
  validateInputs: (values, files) => {
    const image = String(values.image)
    const ref = resolveInputFile(image)
    return ref && files.has(ref.type, ref.rel) ? true : `Invalid image file: ${image}`
  },
  isChanged: (values, files) => {
    const ref = resolveInputFile(String(values.image))
    const bytes = ref ? files.get(ref.type, ref.rel) : undefined
    return bytes ? sha256(bytes) : ''
  },
  run: (values, ctx) => {
    const ref = resolveInputFile(String(values.image))
    const bytes = ref ? ctx.files.get(ref.type, ref.rel) : undefined
    const path = `<INSTANCE_DIR>/${ref?.type ?? 'input'}/${ref?.rel ?? String(values.image)}`
    if (!bytes)
      throw new PyException('FileNotFoundError', `[Errno 2] No such file or directory: '${path}'`, [simFrame('load_image', 'img = node_helpers.pillow(Image.open, image_path)')])
    if (isPng(bytes)) {
      const { image, alpha } = decodePng(bytes)
      const mask: SimMask = alpha
        ? { width: image.width, height: image.height, data: Float32Array.from(alpha, a => 1 - a / 255) }
        : { width: 64, height: 64, data: new Float32Array(64 * 64) }
      return { outputs: [[image], [mask]] }
    }
    // No JPEG decoder here: a JPEG becomes a mid-grey image of its real size.
    const size = jpegSize(bytes)
    if (size)
      return { outputs: [[createImage(size.width, size.height, [128, 128, 128])], [{ width: 64, height: 64, data: new Float32Array(64 * 64) }]] }
    throw new PyException('PIL.UnidentifiedImageError', `cannot identify image file '${path}'`, [simFrame('load_image', 'img = node_helpers.pillow(Image.open, image_path)')])
  },
}

const ImageInvert: NodeDef = {
  name: 'ImageInvert',
  displayName: () => 'Invert Image',
  description: '',
  category: 'image',
  pythonModule: 'nodes',
  outputNode: false,
  inputs: () => ({ required: { image: ['IMAGE'] } }),
  returnTypes: () => ['IMAGE'],
  returnNames: () => ['IMAGE'],
  run: values => ({ outputs: [images(values.image).map(invertImage)] }),
}

const ImageScale: NodeDef = {
  name: 'ImageScale',
  displayName: () => 'Upscale Image',
  description: '',
  category: 'image/upscaling',
  pythonModule: 'nodes',
  outputNode: false,
  inputs: () => ({
    required: {
      image: ['IMAGE'],
      upscale_method: [['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']],
      width: ['INT', { default: 512, min: 0, max: 16384, step: 1 }],
      height: ['INT', { default: 512, min: 0, max: 16384, step: 1 }],
      crop: [['disabled', 'center']],
    },
  }),
  returnTypes: () => ['IMAGE'],
  returnNames: () => ['IMAGE'],
  // Every upscale_method is nearest-neighbour here.
  run: (values) => {
    const out = images(values.image).map((img) => {
      let width = Number(values.width)
      let height = Number(values.height)
      if (width === 0 && height === 0)
        return img
      if (width === 0)
        width = Math.max(1, Math.round(img.width * height / img.height))
      if (height === 0)
        height = Math.max(1, Math.round(img.height * width / img.width))
      let src = img
      if (values.crop === 'center') {
        const oldAspect = img.width / img.height
        const newAspect = width / height
        let x = 0
        let y = 0
        if (oldAspect > newAspect)
          x = Math.round((img.width - img.width * (newAspect / oldAspect)) / 2)
        else if (oldAspect < newAspect)
          y = Math.round((img.height - img.height * (oldAspect / newAspect)) / 2)
        src = cropImage(img, x, y, img.width - 2 * x, img.height - 2 * y)
      }
      return resizeNearest(src, width, height)
    })
    return { outputs: [out] }
  },
}

const EmptyImage: NodeDef = {
  name: 'EmptyImage',
  displayName: version => (version === '0.3.44' ? 'EmptyImage' : 'Empty Image'),
  description: '',
  category: 'image',
  pythonModule: 'nodes',
  outputNode: false,
  inputs: () => ({
    required: {
      width: ['INT', { default: 512, min: 1, max: 16384, step: 1 }],
      height: ['INT', { default: 512, min: 1, max: 16384, step: 1 }],
      batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
      color: ['INT', { default: 0, min: 0, max: 16777215, step: 1, display: 'color' }],
    },
  }),
  returnTypes: () => ['IMAGE'],
  returnNames: () => ['IMAGE'],
  run: (values) => {
    const color = Number(values.color)
    const rgb = [(color >> 16) & 0xFF, (color >> 8) & 0xFF, color & 0xFF] as const
    const one = createImage(Number(values.width), Number(values.height), rgb)
    return { outputs: [Array.from({ length: Number(values.batch_size) }, () => ({ ...one, data: one.data.slice() }))] }
  },
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** ComfyUI's `folder_paths.get_save_image_path` + SaveImage's file naming. */
function saveImages(batch: SimImage[], prefixIn: string, type: FolderType, ctx: NodeRunContext): FileRef[] {
  let prefix = prefixIn
  const first = batch[0]
  if (prefix.includes('%')) {
    const now = new Date()
    prefix = prefix
      .replaceAll('%width%', String(first?.width ?? 0))
      .replaceAll('%height%', String(first?.height ?? 0))
      .replaceAll('%year%', String(now.getFullYear()))
      .replaceAll('%month%', pad(now.getMonth() + 1))
      .replaceAll('%day%', pad(now.getDate()))
      .replaceAll('%hour%', pad(now.getHours()))
      .replaceAll('%minute%', pad(now.getMinutes()))
      .replaceAll('%second%', pad(now.getSeconds()))
  }
  const normalized = normalizeRelative(prefix)
  if (normalized === null || normalized === '') {
    throw new PyException('Exception', `**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${prefix}\n         output_dir: <INSTANCE_DIR>/${type}`, [
      simFrame('get_save_image_path', 'raise Exception(err)'),
    ])
  }
  const slash = normalized.lastIndexOf('/')
  const subfolder = slash < 0 ? '' : normalized.slice(0, slash)
  const filename = slash < 0 ? normalized : normalized.slice(slash + 1)
  let counter = 1
  for (const name of ctx.files.list(type, subfolder)) {
    const head = name.slice(0, filename.length + 1)
    if (head.slice(0, -1).toLowerCase() !== filename.toLowerCase() || !head.endsWith('_'))
      continue
    const digits = Number.parseInt(name.slice(filename.length + 1).split('_')[0] ?? '', 10)
    counter = Math.max(counter, (Number.isNaN(digits) ? 0 : digits) + 1)
  }
  return batch.map((image, batchNumber) => {
    const file = `${filename.replaceAll('%batch_num%', String(batchNumber))}_${pad(counter++, 5)}_.png`
    ctx.files.set(type, subfolder ? `${subfolder}/${file}` : file, encodePng(image, { deflateLevel: type === 'temp' ? 1 : 4 }), ctx.promptId)
    return { filename: file, subfolder, type }
  })
}

const SAVE_DESCRIPTION = 'Saves the input images to your ComfyUI output directory.'

const SaveImage: NodeDef = {
  name: 'SaveImage',
  displayName: () => 'Save Image',
  description: SAVE_DESCRIPTION,
  category: 'image',
  pythonModule: 'nodes',
  outputNode: true,
  inputs: () => ({
    required: {
      images: ['IMAGE', { tooltip: 'The images to save.' }],
      filename_prefix: ['STRING', { default: 'ComfyUI', tooltip: 'The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.' }],
    },
    hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' },
  }),
  returnTypes: version => (version === '0.3.44' ? [] : ['IMAGE']),
  returnNames: version => (version === '0.3.44' ? [] : ['images']),
  searchAliases: ['save', 'save image', 'export image', 'output image', 'write image', 'download'],
  essentialsCategory: 'Basics',
  run: (values, ctx) => {
    const batch = images(values.images)
    return { outputs: [batch], ui: { images: saveImages(batch, String(values.filename_prefix), 'output', ctx) } }
  },
}

const TEMP_LETTERS = 'abcdefghijklmnopqrstupvxyz'

const PreviewImage: NodeDef = {
  name: 'PreviewImage',
  displayName: () => 'Preview Image',
  description: SAVE_DESCRIPTION,
  category: 'image',
  pythonModule: 'nodes',
  outputNode: true,
  inputs: () => ({ required: { images: ['IMAGE'] }, hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' } }),
  returnTypes: version => (version === '0.3.44' ? [] : ['IMAGE']),
  returnNames: version => (version === '0.3.44' ? [] : ['images']),
  run: (values, ctx) => {
    const batch = images(values.images)
    const suffix = Array.from({ length: 5 }, () => TEMP_LETTERS[Math.floor(Math.random() * TEMP_LETTERS.length)]).join('')
    return { outputs: [batch], ui: { images: saveImages(batch, `ComfyUI_temp_${suffix}`, 'temp', ctx) } }
  },
}

const TestSlowProgress: NodeDef = {
  name: 'TestSlowProgress',
  displayName: () => 'Test: slow progress',
  description: '',
  category: 'testing',
  pythonModule: 'custom_nodes.rc_test_nodes',
  outputNode: false,
  inputs: () => ({
    required: {
      image: ['IMAGE'],
      steps: ['INT', { default: 5, min: 1, max: 1000 }],
      seconds: ['FLOAT', { default: 2.0, min: 0.0, max: 600.0, step: 0.1 }],
      preview: ['BOOLEAN', { default: false }],
      progress_text: ['BOOLEAN', { default: false }],
    },
    hidden: { unique_id: 'UNIQUE_ID' },
  }),
  returnTypes: () => ['IMAGE'],
  returnNames: () => ['IMAGE'],
  run: async (values, ctx) => {
    const batch = images(values.image)
    const steps = Number(values.steps)
    const stepMs = Number(values.seconds) * 1000 / steps / ctx.speed
    const first = batch[0]
    const preview = values.preview === true && first ? encodePng(thumbnail(first), { deflateLevel: 1 }) : undefined
    for (let i = 1; i <= steps; i++) {
      await ctx.sleep(stepMs)
      if (values.progress_text === true)
        ctx.text(`step ${i}/${steps}`)
      ctx.progress(i, steps, preview)
    }
    return { outputs: [batch] }
  },
}

const TestFail: NodeDef = {
  name: 'TestFail',
  displayName: () => 'Test: fail',
  description: '',
  category: 'testing',
  pythonModule: 'custom_nodes.rc_test_nodes',
  outputNode: false,
  inputs: () => ({ required: { image: ['IMAGE'], message: ['STRING', { default: 'deliberate failure' }] } }),
  returnTypes: () => ['IMAGE'],
  returnNames: () => ['IMAGE'],
  run: (values) => {
    throw new PyException('RuntimeError', String(values.message), [simFrame('run', 'raise RuntimeError(message)')])
  },
}

/** Every node type the simulator knows, by class name. */
export const NODE_DEFS: ReadonlyMap<string, NodeDef> = /* @__PURE__ */ new Map(
  [LoadImage, ImageInvert, ImageScale, EmptyImage, SaveImage, PreviewImage, TestSlowProgress, TestFail, UpscaleModelLoader, ImageUpscaleWithModel, ResizeImageMaskNode, BatchImagesNode].map(d => [d.name, d]),
)
