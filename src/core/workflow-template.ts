import type { UiWorkflow } from './ui-workflow/types'
import type { ComfyWorkflow } from './validate-input'
import { isUiWorkflow } from './ui-workflow/detect'
import { assertUiWorkflowShape } from './ui-workflow/graph'
import { resolveUiTarget } from './ui-workflow/template-targets'
import { InvalidArgumentError } from './errors'
import { assertWorkflow } from './validate-input'
import { WorkflowParamsError } from './workflow-errors'

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

const EMPTY: Readonly<ComfyWorkflow> = Object.freeze({})

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
 * workflow and `INVALID_WORKFLOW_PARAMS` for a target that names no node input. The JSON passed in is copied, never changed.
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
  const copy = deepFreeze(structuredClone(workflow))
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

/** The range seeds of one input may take, e.g. from its `/object_info` `min`/`max`. */
export interface SeedRange {
  min: number
  max: number
}

/** Options of {@link fillWorkflow}. */
export interface FillWorkflowOptions {
  /** @default Math.random */
  random?: () => number
  /**
   * The range of a randomized input (from the server's `/object_info`); seeds are drawn within it and within the
   * integers JSON carries exactly. `undefined` (or no function): 0 … 2^53−1.
   */
  seedRange?: (nodeId: string, input: string) => SeedRange | undefined
}

/** A seed as ComfyUI's UI draws one: an integer in `[min, max]`, kept within the integers JSON carries exactly. */
export function randomSeed(random: () => number = Math.random, range?: SeedRange): number {
  const min = Math.max(0, Math.ceil(range?.min ?? 0))
  const max = Math.min(Number.MAX_SAFE_INTEGER, Math.floor(range?.max ?? Number.MAX_SAFE_INTEGER))
  if (!(max >= min))
    return min
  return min + Math.floor(random() * (max - min + 1))
}

/**
 * The workflow of one submit: `values` put into a fresh copy, `'random'` and the template's `randomize` inputs given
 * new seeds. Throws `INVALID_WORKFLOW_PARAMS` listing every unknown, missing or unusable value, and `INVALID_WORKFLOW`
 * for a template made from a UI-format workflow, which only a server's `/object_info` turns into a prompt (`store.submit` does).
 */
export function fillWorkflow<P extends string>(template: WorkflowTemplate<P>, values: WorkflowValues<P>, options: FillWorkflowOptions = {}): FilledWorkflow {
  if (template.ui !== undefined && template.workflow === EMPTY)
    throw new InvalidArgumentError('INVALID_WORKFLOW', 'This template was made from a UI-format workflow, which becomes a prompt only once converted with the target server\'s /object_info. Submit it with store.submit(template, values), which converts and fills it per server.')
  const random = options.random ?? Math.random
  const draw = (nodeId: string, input: string): number => randomSeed(random, options.seedRange?.(nodeId, input))
  const problems: ConstructorParameters<typeof WorkflowParamsError>[0][number][] = []
  const given = (typeof values === 'object' && values !== null ? values : {}) as Record<string, unknown>
  for (const key of Object.keys(given)) {
    if (!(key in template.params))
      problems.push({ param: key, problem: 'unknown', detail: `is not a parameter of this template (it has ${Object.keys(template.params).join(', ') || 'none'})` })
  }
  const workflow = structuredClone(template.workflow) as ComfyWorkflow
  const seeds: Record<string, number> = {}
  const setInput = (nodeId: string, input: string, value: unknown): void => {
    const node = workflow[nodeId]
    if (node)
      node.inputs[input] = value
  }
  for (const { nodeId, input } of template.randomize) {
    const seed = draw(nodeId, input)
    setInput(nodeId, input, seed)
    seeds[`${nodeId}.${input}`] = seed
  }
  const seedParams: Record<string, string> = {}
  const used: FilledWorkflow['values'] = {}
  const uploads: FilledWorkflow['uploads'] = {}
  for (const [param, { nodeId, input }] of Object.entries(template.params) as [string, ParamBinding][]) {
    let value = given[param]
    if (value === undefined) {
      problems.push({ param, problem: 'missing', detail: 'has no value' })
      continue
    }
    if (value === 'random') {
      value = draw(nodeId, input)
      seeds[`${nodeId}.${input}`] = value as number
      seedParams[`${nodeId}.${input}`] = param
    }
    if (typeof Blob !== 'undefined' && value instanceof Blob) {
      uploads[nodeId] = { input, file: value }
    }
    else if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'string' && typeof value !== 'boolean') {
      problems.push({ param, problem: 'bad-value', detail: `is ${value === null ? 'null' : typeof value}, not a string, finite number, boolean, Blob or 'random'` })
      continue
    }
    else {
      setInput(nodeId, input, value)
    }
    used[param] = value as string | number | boolean | Blob
  }
  if (problems.length > 0)
    throw new WorkflowParamsError(problems)
  return { workflow, values: used, seeds, seedParams, uploads }
}
