import type { ObjectInfo } from '../core/object-info'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { FilledWorkflow, WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { ResolvedSubmit } from './workflow-prepare'
import type { SubmitOptions } from './types'
import { InvalidArgumentError } from '../core/errors'
import { isUiWorkflow } from '../core/ui-workflow/detect'
import { assertImage, assertWorkflow } from '../core/validate-input'
import { isWorkflowTemplate } from '../core/workflow-template'
import { loadWorkflowChecks, workflowChecks } from './load-workflow-checks'
import { apiWorkflowClasses, uiWorkflowClasses } from './workflow-classes'

/** One server's version of what was submitted: the API-format prompt validated and sent there, and the template values it used. */
export interface ServerWorkflow {
  prompt: ComfyWorkflow
  filled: FilledWorkflow | null
}

/** What `submit` was given, turned into the workflow of each candidate server. */
export interface WorkflowSource {
  /** `'ui'`: given in the UI format, converted with each server's `/object_info`. */
  format: 'api' | 'ui'
  /** The node classes it uses: the `/object_info` entries its checks read (see `node-info-cache.ts`). */
  classes: readonly string[]
  /**
   * The workflow for `server` given its `/object_info` (`undefined`: unreadable). For a UI graph: converted, and throws
   * `NO_CAPABLE_SERVER` for node types the server lacks or an unreadable `/object_info`, `UNSUPPORTED_UI_WORKFLOW` for
   * the rest of what cannot be converted, `INVALID_IMAGE` for an image keyed by a node the conversion dropped.
   */
  forServer: (server: string, info: ObjectInfo | undefined) => ServerWorkflow
  /** The workflow of the server placement chose (the one its checks converted, if any). */
  placed: (server: string, info: ObjectInfo | undefined) => ServerWorkflow
}

/** What `submit(…)` was given, made uniform: the source, the options (with a template's file uploads) and the early-filled values. */
export interface ResolvedSource {
  source: WorkflowSource
  options: SubmitOptions
  /** The template values and seeds, known before placement (a UI template's seeds are the same on every server). */
  filled: FilledWorkflow | null
}

/**
 * Checks and resolves `submit`'s arguments before anything is sent: an API workflow as before, a UI-format graph as a
 * source converted per server. A template is filled by the workflow checks (a lazy chunk), so it resolves once they are
 * loaded, with its values as they were at the call.
 */
export function resolveSource(first: unknown, second: unknown, third: SubmitOptions | undefined, known: Iterable<ObjectInfo>): ResolvedSource | Promise<ResolvedSource> {
  if (isWorkflowTemplate(first)) {
    const values = typeof second === 'object' && second !== null ? { ...second } : second
    return loadWorkflowChecks().then(checks => checks.resolveTemplate(first, values, third, known))
  }
  if (isUiWorkflow(first)) {
    const options = (second ?? {}) as SubmitOptions
    // Through JSON: a reactive graph is a Proxy, and later changes to it must not reach this submit.
    const graph = JSON.parse(JSON.stringify(first)) as UiWorkflow
    return { source: uiSource(graph, assertImages(options, graph), prompt => ({ prompt, filled: null })), options, filled: null }
  }
  return apiSource({ workflow: first as ComfyWorkflow, options: (second ?? {}) as SubmitOptions, filled: null })
}

/** A template's values put into its UI graph, once converted for `server` (by the workflow checks, loaded by then). */
export function uiTemplateSource(template: WorkflowTemplate & { ui: UiWorkflow }, values: WorkflowValues<string>, options: SubmitOptions): WorkflowSource {
  return uiSource(template.ui, assertImages(options, template.ui), (prompt, info, server) => workflowChecks().fillUiTemplate(template, values, prompt, info, server))
}

/** An API-format workflow (or a filled template), checked and copied: the same prompt for every server. */
export function apiSource(resolved: ResolvedSubmit): ResolvedSource {
  const { workflow, options } = resolved
  assertWorkflow(workflow)
  const images = checkedImages(options)
  for (const [nodeId, file] of Object.entries(images)) assertImage(nodeId, file, workflow)
  // Through JSON, not structuredClone: a reactive workflow (a prop, a ref) is a Proxy, which structuredClone refuses.
  const placed: ServerWorkflow = { prompt: JSON.parse(JSON.stringify(workflow)) as ComfyWorkflow, filled: resolved.filled }
  return { source: { format: 'api', classes: apiWorkflowClasses(placed.prompt), forServer: () => placed, placed: () => placed }, options, filled: resolved.filled }
}

/**
 * Inputs not to check before placement: those an upload fills in (the server checks its files), and the seeds drawn
 * for this submit (fitted to the target server's range by `fitSeeds`).
 */
export function uncheckedInputs(options: SubmitOptions, filled: FilledWorkflow | null): string[] {
  return [...Object.keys(options.images ?? {}).map(nodeId => `${nodeId}.image`), ...Object.keys(filled?.seeds ?? {})]
}

function checkedImages(options: SubmitOptions): Record<string, Blob> {
  const images = options.images ?? {}
  if (typeof images !== 'object' || images === null)
    throw new InvalidArgumentError('INVALID_IMAGE', '`images` must be an object keyed by LoadImage node id, e.g. { images: { 1: file } }.')
  return images
}

/**
 * Images of a UI graph are keyed by node id, as in the API format (the conversion keeps top-level ids); a node inside
 * a subgraph or group node by its execution id `"<instanceId>:<innerId>"`. Returns the keys, checked again after conversion.
 */
function assertImages(options: SubmitOptions, graph: UiWorkflow): string[] {
  const images = checkedImages(options)
  const ids = Object.fromEntries(graph.nodes.map(n => [String(n.id), { class_type: n.type, inputs: {} }]))
  for (const [nodeId, file] of Object.entries(images)) {
    const top = nodeId.split(':')[0] ?? nodeId
    assertImage(top, file, ids)
  }
  return Object.keys(images)
}

/**
 * A UI graph converted per `/object_info` (servers with equal definitions of its classes share one object, so one
 * conversion), then made a server's workflow by `finish`. Its conversion is part of the workflow checks, which `submit`
 * loads before it places a UI-format workflow.
 */
function uiSource(graph: UiWorkflow, imageNodes: readonly string[], finish: (prompt: ComfyWorkflow, info: ObjectInfo, server: string) => ServerWorkflow): WorkflowSource {
  const memo = new WeakMap<ObjectInfo, ServerWorkflow>()
  const chosen = new Map<string, ServerWorkflow>()
  function forServer(server: string, info: ObjectInfo | undefined): ServerWorkflow {
    if (!info)
      throw workflowChecks().unreadableObjectInfo(server)
    let result = memo.get(info)
    if (!result) {
      result = finish(workflowChecks().convertForServer(graph, info, server, imageNodes), info, server)
      memo.set(info, result)
    }
    chosen.set(server, result)
    return result
  }
  return { format: 'ui', classes: uiWorkflowClasses(graph), forServer, placed: (server, info) => chosen.get(server) ?? forServer(server, info) }
}
