import type { ObjectInfo, UiNode, UiNodeInput, UiNodeOutput, UiWorkflow } from '../../src/core/ui-workflow'
import type { ComfyWorkflow } from '../../src/core/validate-input'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { isComfyTetherError } from '../../src/core/errors'
import { UiWorkflowError } from '../../src/core/ui-workflow'

const FIXTURES = new URL('../fixtures/', import.meta.url)

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8'))
}

/** The real `GET /object_info` of ComfyUI 0.33.0 (CPU), byte for byte. */
export const OBJECT_INFO = readJson('comfyui/object-info/v0.33.0-783545f-cpu.json') as ObjectInfo

/** Definitions of the pairs' custom nodes, derived from the pairs themselves (see the fixture's NOTE.md). */
export const CUSTOM_NODES = readJson('comfyui/object-info/custom-nodes-from-pairs.json') as ObjectInfo

/** The names of the UI/API pair folders. */
export const PAIR_NAMES = readdirSync(new URL('workflow-pairs/', FIXTURES))
  .filter(name => statSync(new URL(`workflow-pairs/${name}`, FIXTURES)).isDirectory())
  .sort()

/** One pair: the UI save and the API export of the same workflow. */
export function loadPair(name: string): { ui: UiWorkflow, api: ComfyWorkflow } {
  return { ui: readJson(`workflow-pairs/${name}/ui.json`) as UiWorkflow, api: readJson(`workflow-pairs/${name}/api.json`) as ComfyWorkflow }
}

/** The error `fn` throws, checked to be a `UiWorkflowError`. */
export function conversionError(fn: () => unknown): UiWorkflowError {
  try {
    fn()
  }
  catch (error) {
    if (error instanceof UiWorkflowError && isComfyTetherError(error, 'UNSUPPORTED_UI_WORKFLOW'))
      return error
    throw error
  }
  throw new Error('expected the conversion to throw a UiWorkflowError, but it returned')
}

interface NodeSpec {
  inputs?: [name: string, type: string, link?: number | null, widget?: boolean][]
  outputs?: [name: string, type: string][]
  widgets?: unknown[] | Record<string, unknown> | null
  mode?: number
  title?: string
}

/** A UI node as the frontend saves it (positions and sizes left out: the converter ignores them). */
export function uiNode(id: number | string, type: string, spec: NodeSpec = {}): UiNode {
  const inputs: UiNodeInput[] = (spec.inputs ?? []).map(([name, slotType, link = null, widget = false]) => ({ name, type: slotType, link, ...(widget && { widget: { name } }) }))
  const outputs: UiNodeOutput[] = (spec.outputs ?? []).map(([name, slotType]) => ({ name, type: slotType, links: [] }))
  return {
    id,
    type,
    mode: spec.mode ?? 0,
    inputs,
    outputs,
    ...(spec.widgets !== undefined && { widgets_values: spec.widgets }),
    ...(spec.title !== undefined && { title: spec.title }),
  }
}

/** A schema-0.4 workflow of `nodes` and `[id, origin, originSlot, target, targetSlot, type]` links. */
export function uiWorkflow(nodes: UiNode[], links: [number, number | string, number, number | string, number, string][] = [], extra: Partial<UiWorkflow> = {}): UiWorkflow {
  return { last_node_id: nodes.length, last_link_id: links.length, nodes, links, groups: [], config: {}, extra: {}, version: 0.4, ...extra }
}

/** The default text-to-image graph's loader, prompt and sampler nodes, wired as the frontend saves them. */
export const checkpoint = (id: number, mode = 0): UiNode => uiNode(id, 'CheckpointLoaderSimple', {
  outputs: [['MODEL', 'MODEL'], ['CLIP', 'CLIP'], ['VAE', 'VAE']],
  widgets: ['v1-5-pruned-emaonly.safetensors'],
  mode,
})
