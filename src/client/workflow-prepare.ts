import type { ObjectInfo } from '../core/object-info'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { SeedRange } from '../core/workflow-fill'
import type { FilledWorkflow, WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { SubmitOptions } from './types'
import type { ResolvedSource } from './workflow-source'
import { inputSpec } from '../core/object-info'
import { WorkflowParamsError } from '../core/workflow-errors'
import { fillWorkflow, randomSeed } from '../core/workflow-fill'
import { isWorkflowTemplate } from '../core/workflow-template'
import { apiSource, uiTemplateSource } from './workflow-source'

// Part of the workflow checks (loaded on demand, see load-workflow-checks.ts): filling a template and drawing its seeds.

/**
 * Resolves `submit(template, values, options?)`: for an API-format template, filled and checked like a workflow; for
 * one made from a UI graph, its values checked, seeds drawn and files turned into uploads now, on an empty workflow
 * (nothing is sent if they are wrong), the graph converted and filled per server later.
 */
export function resolveTemplate(template: WorkflowTemplate, values: unknown, third: SubmitOptions | undefined, known: Iterable<ObjectInfo>): ResolvedSource {
  if (template.ui) {
    const { options, filled } = resolveSubmit({ ...template, ui: undefined }, values, third, [])
    return { source: uiTemplateSource(template as WorkflowTemplate & { ui: UiWorkflow }, (values ?? {}) as WorkflowValues<string>, options), options, filled }
  }
  return apiSource(resolveSubmit(template, values, third, known))
}

/** What `submit(…)` was given, made uniform. */
export interface ResolvedSubmit {
  workflow: ComfyWorkflow
  options: SubmitOptions
  /** Set when a template was submitted: the values and seeds used. */
  filled: FilledWorkflow | null
}

/**
 * `submit(workflow, options?)` or `submit(template, values, options?)`: fills a template (drawing random seeds) and
 * turns its file parameters into the uploads of `options.images`.
 */
export function resolveSubmit(first: ComfyWorkflow | WorkflowTemplate, second: unknown, third: SubmitOptions | undefined, known: Iterable<ObjectInfo>): ResolvedSubmit {
  if (!isWorkflowTemplate(first))
    return { workflow: first, options: (second ?? {}) as SubmitOptions, filled: null }
  const filled = fillWorkflow(first, (second ?? {}) as WorkflowValues<string>, { seedRange: seedRangeFrom(first.workflow as ComfyWorkflow, [...known]) })
  const options = third ?? {}
  const wrongInput = Object.entries(filled.uploads).filter(([, u]) => u.input !== 'image')
  if (wrongInput.length > 0)
    throw new WorkflowParamsError(wrongInput.map(([nodeId, u]) => ({ param: Object.keys(filled.values).find(k => filled.values[k] === u.file) ?? nodeId, problem: 'bad-value', detail: `is a file, but input "${u.input}" of node ${nodeId} is no LoadImage-style "image" input; pass the uploaded file name as a string instead` })))
  const images = { ...options.images, ...Object.fromEntries(Object.entries(filled.uploads).map(([nodeId, u]) => [nodeId, u.file])) }
  return { workflow: filled.workflow, options: Object.keys(images).length ? { ...options, images } : options, filled }
}

/** Seeds when no server's definition of the input is known yet: 32 bits fit the seed inputs of nearly every node. */
const UNKNOWN_SEED_RANGE = { min: 0, max: 0xFFFFFFFF }

/** The `min`/`max` of an input from any known `/object_info` (a class's definition is the same on every server). */
export function seedRangeFrom(workflow: ComfyWorkflow, known: readonly ObjectInfo[]): (nodeId: string, input: string) => SeedRange {
  return (nodeId, input) => {
    const classType = workflow[nodeId]?.class_type ?? ''
    for (const info of known) {
      const found = info[classType] ? inputSpec(info[classType], input) : undefined
      const options = found?.spec[1]
      if (found)
        return { min: typeof options?.min === 'number' ? options.min : 0, max: typeof options?.max === 'number' ? options.max : Number.MAX_SAFE_INTEGER }
    }
    return UNKNOWN_SEED_RANGE
  }
}

/**
 * Re-draws the seeds of this submit that fall outside the target server's `min`/`max` for their input (drawn before
 * the server was known), so that `'random'` never fails validation. Updates `filled` too; `true` when one changed.
 */
export function fitSeeds(workflow: ComfyWorkflow, filled: FilledWorkflow | null, objectInfo: ObjectInfo | undefined, random: () => number = Math.random): boolean {
  if (!filled || !objectInfo)
    return false
  const range = seedRangeFrom(workflow, [objectInfo])
  let changed = false
  for (const [key, seed] of Object.entries(filled.seeds)) {
    const dot = key.lastIndexOf('.')
    const [nodeId, input] = [key.slice(0, dot), key.slice(dot + 1)]
    const { min, max } = range(nodeId, input)
    const node = workflow[nodeId]
    if (!node || (seed >= min && seed <= max))
      continue
    const next = randomSeed(random, { min, max })
    node.inputs[input] = next
    filled.seeds[key] = next
    const param = filled.seedParams[key]
    if (param !== undefined)
      filled.values[param] = next
    changed = true
  }
  return changed
}

