import type { ObjectInfo } from '../core/object-info'
import type { ComfyWorkflow } from '../core/validate-input'
import type { FilledWorkflow, SeedRange, WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { UiWorkflow } from '../core/ui-workflow'
import type { SubmitOptions } from './types'
import type { WorkflowSource } from './workflow-source'
import { inputSpec } from '../core/object-info'
import { fromUiWorkflow, isUiWorkflow, UiWorkflowError } from '../core/ui-workflow'
import { canRun, validateWorkflow } from '../core/validate-workflow'
import { NoCapableServerError, WorkflowCheckError, WorkflowParamsError } from '../core/workflow-errors'
import { fillWorkflow, isWorkflowTemplate, randomSeed } from '../core/workflow-template'

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

/**
 * Inputs not to check before placement: those an upload fills in (the server checks its files), and the seeds drawn
 * for this submit (fitted to the target server's range by {@link fitSeeds}).
 */
export function uncheckedInputs(options: SubmitOptions, filled: FilledWorkflow | null): string[] {
  return [...Object.keys(options.images ?? {}).map(nodeId => `${nodeId}.image`), ...Object.keys(filled?.seeds ?? {})]
}

/**
 * The step where a workflow becomes what is sent to one server, given that server's `/object_info` (`undefined`
 * when it could not be fetched: then the server's own validation decides). Throws `WORKFLOW_INVALID_FOR_SERVER`
 * listing every problem. A UI-format workflow arrives here converted with the same definitions (see `workflow-source.ts`).
 */
export function prepareWorkflowForServer(server: string, workflow: ComfyWorkflow, objectInfo: ObjectInfo | undefined, options: { validate: boolean, skip: readonly string[] }): ComfyWorkflow {
  if (!objectInfo || !options.validate)
    return workflow
  const problems = validateWorkflow(workflow, objectInfo, { skip: options.skip })
  if (problems.length > 0)
    throw new WorkflowCheckError(server, problems)
  return workflow
}

/** Which servers a workflow may be placed on; see {@link createServerFit}. */
export interface ServerFit {
  /**
   * The candidates that have what the workflow needs and where it passes validation. Throws `NO_CAPABLE_SERVER` when
   * none has its node types and models, `WORKFLOW_INVALID_FOR_SERVER` when it fails validation on every capable one.
   */
  check: (candidates: readonly string[], lockedServer?: string) => Promise<Set<string>>
  /** Synchronous, from cached `/object_info`: throws like `check` when `server` is known not to fit. */
  assertFitsNow: (server: string) => void
}

/**
 * The placement check of one submit, over the per-server `/object_info` (`undefined` when unreadable: then the server
 * decides, except for a UI-format workflow, which cannot be converted without it). `validate: false` keeps only what a
 * UI-format workflow needs: that it converts.
 */
export function createServerFit(source: WorkflowSource, skip: readonly string[], objectInfo: (server: string) => Promise<ObjectInfo | undefined>, cached: (server: string) => ObjectInfo | undefined, validate = true): ServerFit {
  const lacks = (server: string, info: ObjectInfo | undefined): string[] => lacksOf(source, server, info, validate ? skip : null)
  const prepare = (server: string, info: ObjectInfo | undefined): void => {
    prepareWorkflowForServer(server, source.forServer(server, info).prompt, info, { validate, skip })
  }
  return {
    async check(candidates, lockedServer) {
      const capable = await capableOf(candidates, objectInfo, lacks, lockedServer)
      const errors: unknown[] = []
      const fit = new Set<string>()
      for (const server of capable) {
        try {
          prepare(server, await objectInfo(server))
          fit.add(server)
        }
        catch (error) {
          errors.push(error)
        }
      }
      if (fit.size === 0)
        throw errors[0]
      return fit
    },
    assertFitsNow(server) {
      const info = cached(server)
      const reasons = lacks(server, info)
      if (reasons.length > 0)
        throw new NoCapableServerError({ [server]: reasons }, server)
      prepare(server, info)
    },
  }
}

/** What `server` lacks for this submit (`[]`: nothing): node types a UI graph's conversion misses, then `canRun` unless `skip` is `null` (no validation). */
function lacksOf(source: WorkflowSource, server: string, info: ObjectInfo | undefined, skip: readonly string[] | null): string[] {
  let prompt: ComfyWorkflow
  try {
    prompt = source.forServer(server, info).prompt
  }
  catch (error) {
    if (error instanceof NoCapableServerError)
      return [...(error.lacks[server] ?? [])]
    throw error
  }
  return info && skip ? canRun(prompt, info, { skip }) : []
}

/**
 * The servers of `servers` that can run the workflow (`lacks` says what each lacks). Throws `NO_CAPABLE_SERVER`
 * naming what each server lacks (with `lockedServer`: the lock holds and that server lacks it).
 */
async function capableOf(servers: readonly string[], objectInfo: (server: string) => Promise<ObjectInfo | undefined>, lacks: (server: string, info: ObjectInfo | undefined) => string[], lockedServer?: string): Promise<Set<string>> {
  const missing: Record<string, string[]> = {}
  const capable = new Set<string>()
  const infos = await Promise.all(servers.map(async server => [server, await objectInfo(server)] as const))
  for (const [server, info] of infos) {
    const reasons = lacks(server, info)
    if (reasons.length === 0)
      capable.add(server)
    else
      missing[server] = reasons
  }
  if (capable.size === 0)
    throw new NoCapableServerError(missing, lockedServer)
  return capable
}

/** What each of `servers` lacks to run `workflow` (`[]`: it can), or `null` where its `/object_info` is unknown. */
export async function lacksByServer(workflow: ComfyWorkflow | UiWorkflow | WorkflowTemplate, servers: readonly string[], objectInfo: (server: string) => ObjectInfo | Promise<ObjectInfo | undefined> | undefined): Promise<Record<string, string[] | null>> {
  const plain = isWorkflowTemplate(workflow) ? workflow.ui ?? workflow.workflow as ComfyWorkflow : workflow
  const entries = await Promise.all(servers.map(async (server) => {
    const info = await objectInfo(server)
    return [server, info ? lacksOn(plain, info) : null] as const
  }))
  return Object.fromEntries(entries)
}

function lacksOn(workflow: ComfyWorkflow | UiWorkflow, info: ObjectInfo): string[] {
  if (!isUiWorkflow(workflow))
    return canRun(workflow, info)
  try {
    return canRun(fromUiWorkflow(workflow, info), info)
  }
  catch (error) {
    if (error instanceof UiWorkflowError && error.reason === 'missing-node-type')
      return error.missingNodeTypes.map(t => `node type ${t}`)
    throw error
  }
}
