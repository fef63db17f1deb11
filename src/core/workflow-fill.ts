import type { ComfyWorkflow } from './validate-input'
import type { FilledWorkflow, ParamBinding, WorkflowTemplate, WorkflowValues } from './workflow-template'
import { EMPTY } from './empty-workflow'
import { InvalidArgumentError } from './errors'
import { WorkflowParamsError } from './workflow-errors'

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
  // An input that is randomized and bound to a parameter takes the parameter's value: a given value is sent as it is,
  // `'random'` draws (once, below, recorded for the parameter).
  const bound = new Set(Object.entries(template.params as Record<string, ParamBinding>).filter(([param]) => given[param] !== undefined).map(([, b]) => `${b.nodeId}.${b.input}`))
  for (const { nodeId, input } of template.randomize) {
    if (bound.has(`${nodeId}.${input}`))
      continue
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
