import type { ComfyImageRef, NodeOutputs } from './api-types'
import type { QueryCredential } from './server-url'
import { serverViewUrl } from './server-url'
import type { ComfyWorkflow } from './validate-input'

/** What a file an output node produced is. */
export type OutputFileKind = 'image' | 'animated' | 'video' | 'audio' | '3d' | 'other'

/** One file of a task's outputs, with its `/view` URL on the task's server. */
export interface OutputFile {
  kind: OutputFileKind
  filename: string
  subfolder: string
  /** `'output'`, `'temp'` or `'input'`. */
  type: string
  /** The output node that produced it, and its `_meta.title` when the workflow has one. */
  nodeId: string
  title?: string
  /** The key of the node's output it was listed under (`images`, `gifs`, `audio`, `3d`, …). */
  key: string
  /** A MIME-like format some nodes report (`gifs[].format`, e.g. `'video/h264-mp4'`). */
  format?: string
  url: string
}

/** A text or other non-file UI value of an output node. */
export interface OutputValue {
  nodeId: string
  title?: string
  key: string
  value: unknown
}

/** A task's outputs by kind. */
export interface NormalizedOutputs {
  files: OutputFile[]
  /** Strings the nodes showed (`text`, `string` keys), one entry per string. */
  text: OutputValue[]
  /** Everything else, one entry per key. */
  values: OutputValue[]
}

const BY_EXTENSION: [RegExp, OutputFileKind][] = [
  [/\.(?:png|jpe?g|bmp|tiff?|avif)$/i, 'image'],
  [/\.(?:gif|apng)$/i, 'animated'],
  [/\.(?:mp4|webm|mov|mkv|avi|m4v)$/i, 'video'],
  [/\.(?:flac|mp3|wav|ogg|opus|m4a|aac)$/i, 'audio'],
  [/\.(?:glb|gltf|obj|fbx|stl|ply|usdz|splat|spz|ksplat)$/i, '3d'],
]

const BY_KEY: Record<string, OutputFileKind> = { images: 'image', gifs: 'animated', video: 'video', videos: 'video', audio: 'audio', '3d': '3d', mesh: '3d' }
const TEXT_KEYS = new Set(['text', 'string'])

function isFileRef(value: unknown): value is { filename: string, subfolder?: unknown, type?: unknown, format?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { filename?: unknown }).filename === 'string'
}

function kindOf(key: string, filename: string, format: string | undefined, animated: boolean): OutputFileKind {
  if (format?.startsWith('video/'))
    return 'video'
  if (format?.startsWith('image/'))
    return 'animated'
  if (format?.startsWith('audio/'))
    return 'audio'
  const byExt = BY_EXTENSION.find(([re]) => re.test(filename))?.[1]
  if (key === 'images')
    return animated ? (byExt === 'video' ? 'video' : 'animated') : (byExt ?? 'image')
  if (/\.webp$/i.test(filename))
    return key === 'gifs' || animated ? 'animated' : 'image'
  return byExt ?? BY_KEY[key] ?? 'other'
}

/**
 * Sorts the outputs of a task (`executed` outputs or a history entry's) into files of each kind, texts and other
 * values. `SaveAnimatedWEBP`/`SaveVideo` mark animated `images` with `animated: [true]`; VideoHelperSuite lists `gifs`
 * with a `format`; `SaveAudio` lists `audio`; 3D savers list `3d` or `mesh` files. Unknown file lists fall back to
 * the file extension, then to `'other'`.
 */
export function normalizeOutputs(outputs: NodeOutputs, server: string, workflow?: ComfyWorkflow, credential?: QueryCredential): NormalizedOutputs {
  const result: NormalizedOutputs = { files: [], text: [], values: [] }
  for (const [nodeId, output] of Object.entries(outputs)) {
    const title = workflow?.[nodeId]?._meta?.title
    const at = title ? { nodeId, title } : { nodeId }
    const animatedFlags = Array.isArray(output.animated) ? output.animated : []
    const animated = animatedFlags.some(flag => flag === true)
    for (const [key, value] of Object.entries(output)) {
      if (key === 'animated')
        continue
      const list = Array.isArray(value) ? value : [value]
      if (list.length > 0 && list.every(isFileRef)) {
        for (const ref of list) {
          const subfolder = typeof ref.subfolder === 'string' ? ref.subfolder : ''
          const type = typeof ref.type === 'string' ? ref.type : 'output'
          const format = typeof ref.format === 'string' ? ref.format : undefined
          result.files.push({
            kind: kindOf(key, ref.filename, format, animated),
            filename: ref.filename,
            subfolder,
            type,
            ...at,
            key,
            ...(format ? { format } : {}),
            url: serverViewUrl(server, { filename: ref.filename, subfolder, type }, credential),
          })
        }
      }
      else if (TEXT_KEYS.has(key) && list.every(v => typeof v === 'string')) {
        for (const text of list)
          result.text.push({ ...at, key, value: text })
      }
      else {
        result.values.push({ ...at, key, value })
      }
    }
  }
  return result
}

/**
 * Lists every image of every output node, in node id order. Includes `temp` previews as well as saved `output` files.
 * @param outputs - a prompt's outputs (history entry, job, or collected `executed` messages)
 */
export function collectOutputImages(outputs: NodeOutputs): ComfyImageRef[] {
  const images: ComfyImageRef[] = []
  for (const id in outputs) {
    const list = outputs[id]?.images
    if (list === undefined)
      continue
    for (const image of list) images.push(image) // not push(...list): a spread call per node of every `executed` frame
  }
  return images
}
