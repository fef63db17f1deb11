import { InvalidArgumentError } from './errors'

/** A ComfyUI workflow in API format: node id → `{ class_type, inputs }`. */
export type ComfyWorkflow = Record<string, { class_type: string, inputs: Record<string, unknown>, _meta?: { title?: string } }>

/** Largest workflow accepted, as JSON. ComfyUI itself has no limit, but a bigger one is almost surely a mistake. */
export const MAX_WORKFLOW_BYTES = 16 * 1024 * 1024

/** Checks a workflow's shape before anything is sent; throws `INVALID_WORKFLOW` saying what is wrong. */
export function assertWorkflow(workflow: unknown): asserts workflow is ComfyWorkflow {
  if (typeof workflow !== 'object' || workflow === null || Array.isArray(workflow))
    throw new InvalidArgumentError('INVALID_WORKFLOW', `The workflow must be an object of nodes in ComfyUI's API format ({ "1": { "class_type": "…", "inputs": {…} } }), got ${describe(workflow)}. Export it with "Save (API Format)".`)
  const entries = Object.entries(workflow)
  if (entries.length === 0)
    throw new InvalidArgumentError('INVALID_WORKFLOW', 'The workflow has no nodes. Pass the API-format JSON of a workflow with at least one output node.')
  for (const [id, node] of entries) {
    if (typeof node !== 'object' || node === null || Array.isArray(node))
      throw new InvalidArgumentError('INVALID_WORKFLOW', `Node "${id}" of the workflow is ${describe(node)}, not an object with class_type and inputs. Is this the UI format? Export with "Save (API Format)".`)
    const { class_type, inputs } = node as Record<string, unknown>
    if (typeof class_type !== 'string' || class_type === '')
      throw new InvalidArgumentError('INVALID_WORKFLOW', `Node "${id}" has no class_type. Every node needs one, e.g. "LoadImage".`)
    if (inputs !== undefined && (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)))
      throw new InvalidArgumentError('INVALID_WORKFLOW', `Node "${id}" (${class_type}) has inputs that are ${describe(inputs)}, not an object.`)
  }
  let size = 0
  try {
    size = JSON.stringify(workflow).length
  }
  catch (error) {
    throw new InvalidArgumentError('INVALID_WORKFLOW', `The workflow cannot be sent as JSON (${error instanceof Error ? error.message : String(error)}). Remove cycles, functions and BigInts.`)
  }
  if (size > MAX_WORKFLOW_BYTES)
    throw new InvalidArgumentError('INVALID_WORKFLOW', `The workflow is ${(size / 1024 / 1024).toFixed(1)} MiB of JSON, over the ${MAX_WORKFLOW_BYTES / 1024 / 1024} MiB limit. Upload images with { images } instead of inlining them.`)
}

/** What `submit` accepts as an image: a `Blob` (a `File` is one) of an image type. */
export function assertImage(nodeId: string, value: unknown, workflow: ComfyWorkflow): asserts value is Blob {
  if (!(typeof Blob !== 'undefined' && value instanceof Blob))
    throw new InvalidArgumentError('INVALID_IMAGE', `The image for node "${nodeId}" is ${describe(value)}, not a File or Blob. Pass the File from an <input type="file">.`)
  if (value.size === 0)
    throw new InvalidArgumentError('INVALID_IMAGE', `The image for node "${nodeId}" is empty (0 bytes). Pick another file.`)
  if (value.type !== '' && !value.type.startsWith('image/'))
    throw new InvalidArgumentError('INVALID_IMAGE', `The file for node "${nodeId}" is of type "${value.type}", not an image. ComfyUI's LoadImage takes PNG, JPEG or WebP.`)
  if (!(nodeId in workflow))
    throw new InvalidArgumentError('INVALID_IMAGE', `An image is given for node "${nodeId}", but the workflow has no such node. Key images by the id of their LoadImage node.`)
}

function describe(value: unknown): string {
  if (value === null)
    return 'null'
  if (Array.isArray(value))
    return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
