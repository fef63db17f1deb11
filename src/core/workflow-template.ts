import type { UiWorkflow } from './ui-workflow/types'
import type { ComfyWorkflow } from './validate-input'
import { isUiWorkflow } from './ui-workflow/detect'
import { assertUiWorkflowShape } from './ui-workflow/graph'
import { resolveUiTarget } from './ui-workflow/template-targets'
import { assertWorkflow } from './validate-input'
import { EMPTY } from './empty-workflow'
import { WorkflowParamsError } from './workflow-errors'

// Filling a template is a module of its own: an app loads it with the workflow checks, on its first submit of a template.
export { fillWorkflow, randomSeed } from './workflow-fill'
export type { FillWorkflowOptions, SeedRange } from './workflow-fill'

/** Where a parameter goes: `"<node id or _meta.title>.<input>"`, e.g. `'3.seed'` or `'Positive.text'`. */
export type ParamTarget = `${string}.${string}`

/** A parameter's value. A `Blob` (a `File`) is uploaded to the task's server and its stored name goes into the input. */
export type ParamValue = string | number | boolean | Blob | 'random'

/** The values `submit` takes for a template: one per parameter, no more, no less. */
export type WorkflowValues<P extends string> = { readonly [K in P]: ParamValue }

/** A parameter resolved to one node input. */
export interface ParamBinding {
  nodeId: string
  input: string
}

/** Options of {@link defineWorkflow}. */
export interface DefineWorkflowOptions<P extends string> {
  /** Named parameters → node inputs, by node id or `_meta.title`. */
  params: { readonly [K in P]: ParamTarget }
  /**
   * Inputs that get a fresh random seed on every submit, as ComfyUI's `control_after_generate: randomize` does in its
   * UI (the API format does not carry that widget setting, so name them here). A parameter given `'random'` does the same.
   * @default []
   */
  randomize?: readonly ParamTarget[]
}

const TEMPLATE = Symbol.for('comfy-tether.workflow-template')

/** A workflow with named parameters, made by {@link defineWorkflow}. Immutable. */
export interface WorkflowTemplate<P extends string = string> {
  readonly [TEMPLATE]: true
  /** A frozen deep copy of the API-format workflow passed in; `{}` for a template made from a UI-format workflow (see `ui`). */
  readonly workflow: Readonly<ComfyWorkflow>
  /** A frozen deep copy of the UI-format workflow passed in, converted on each submit with the target server's `/object_info`. */
  readonly ui?: Readonly<UiWorkflow>
  readonly params: Readonly<Record<P, ParamBinding>>
  readonly randomize: readonly ParamBinding[]
}

/** The workflow of one submit, and the values it used (random seeds drawn). */
export interface FilledWorkflow {
  workflow: ComfyWorkflow
  /** Every parameter's value as sent, with `'random'` replaced by the seed drawn; Blobs stay Blobs. */
  values: Record<string, string | number | boolean | Blob>
  /** Every seed drawn (for `'random'` values and `randomize` inputs), by `"nodeId.input"`. */
  seeds: Record<string, number>
  /** The parameter a drawn seed belongs to, by `"nodeId.input"` (none for `randomize` inputs). */
  seedParams: Record<string, string>
  /** Blob parameters by node id (upload them and put the stored name into `input`). */
  uploads: Record<string, { input: string, file: Blob }>
}

/** Is `value` a template made by {@link defineWorkflow}? */
export function isWorkflowTemplate(value: unknown): value is WorkflowTemplate {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TEMPLATE] === true
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value))
      deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

function resolveApiTarget(workflow: ComfyWorkflow, target: unknown): ParamBinding | string {
  if (typeof target !== 'string' || !target.includes('.'))
    return `has target ${JSON.stringify(target)}, not "<node id or title>.<input>"`
  const dot = target.lastIndexOf('.')
  const node = target.slice(0, dot)
  const input = target.slice(dot + 1)
  let nodeId: string | undefined = node in workflow ? node : undefined
  if (nodeId === undefined) {
    const titled = Object.keys(workflow).filter(id => workflow[id]?._meta?.title === node)
    if (titled.length > 1)
      return `targets the title "${node}", which ${titled.length} nodes (${titled.join(', ')}) have; use a node id`
    nodeId = titled[0]
  }
  if (nodeId === undefined)
    return `targets "${node}", which is neither a node id nor a node title of the workflow`
  if (!(input in (workflow[nodeId]?.inputs ?? {})))
    return `targets input "${input}" of node ${nodeId} (${workflow[nodeId]?.class_type}), which has ${Object.keys(workflow[nodeId]?.inputs ?? {}).join(', ') || 'no inputs'}`
  return { nodeId, input }
}

/**
 * Turns a workflow into a template with named parameters. Throws `INVALID_WORKFLOW` for a malformed
 * workflow and `INVALID_WORKFLOW_PARAMS` for a target that names no node input. The JSON passed in is copied, never changed;
 * it may be held in Vue state (a `ref`'s value, a `reactive` object).
 *
 * A UI-format workflow (what ComfyUI's "Save" writes) is accepted too: targets name a node id or a node title (which
 * becomes `_meta.title`) and are checked now as far as the graph tells (the node exists, the title is unique); that the
 * node has the input is checked on each submit, once converted with the target server's `/object_info`.
 *
 * ```ts
 * const txt2img = defineWorkflow(json, { params: { prompt: 'Positive.text', seed: '3.seed' } })
 * store.submit(txt2img, { prompt: 'a red fox', seed: 'random' })
 * ```
 */
export function defineWorkflow<const P extends string>(workflow: ComfyWorkflow | UiWorkflow, options: DefineWorkflowOptions<P>): WorkflowTemplate<P> {
  const ui = isUiWorkflow(workflow)
  if (ui)
    assertUiWorkflowShape(workflow)
  else
    assertWorkflow(workflow)
  // Through JSON, as submit() copies: a workflow held in Vue state is a Proxy, which structuredClone refuses.
  const copy = deepFreeze(JSON.parse(JSON.stringify(workflow)) as typeof workflow)
  const resolve = ui ? (target: unknown) => resolveUiTarget(copy as UiWorkflow, target) : (target: unknown) => resolveApiTarget(copy as ComfyWorkflow, target)
  const problems: ConstructorParameters<typeof WorkflowParamsError>[0][number][] = []
  const params = {} as Record<P, ParamBinding>
  for (const [param, target] of Object.entries(options.params ?? {}) as [P, unknown][]) {
    const found = resolve(target)
    if (typeof found === 'string')
      problems.push({ param, problem: 'unknown', detail: found })
    else
      params[param] = found
  }
  const randomize: ParamBinding[] = []
  for (const target of options.randomize ?? []) {
    const found = resolve(target)
    if (typeof found === 'string')
      problems.push({ param: `randomize ${target}`, problem: 'unknown', detail: found })
    else
      randomize.push(found)
  }
  if (problems.length > 0)
    throw new WorkflowParamsError(problems)
  const shared = { [TEMPLATE]: true as const, params: Object.freeze(params), randomize: Object.freeze(randomize) }
  return Object.freeze(ui ? { ...shared, workflow: EMPTY, ui: copy as UiWorkflow } : { ...shared, workflow: copy as ComfyWorkflow })
}
