// Loaded on demand (see load-workflow-checks.ts): everything that needs a server's `/object_info` to judge a workflow,
// i.e. the UI-format conversion, validation and the capability checks of placement. Each of its callers waits on
// the network for that `/object_info` anyway, so importing this code then costs nothing an app would notice.
import type { ObjectInfo } from '../core/object-info'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { WorkflowTemplate } from '../core/workflow-template'
import type { WorkflowSource } from './workflow-source'
import { InvalidArgumentError } from '../core/errors'
import { fromUiWorkflow, isUiWorkflow, UiWorkflowError } from '../core/ui-workflow'
import { assertWorkflow } from '../core/validate-input'
import { canRun, judgeWorkflow } from '../core/validate-workflow'
import { NoCapableServerError, WorkflowCheckError } from '../core/workflow-errors'
import { isWorkflowTemplate } from '../core/workflow-template'

export { fillUiTemplate } from './ui-template-fill'
export { fitSeeds, resolveTemplate } from './workflow-prepare'

const UNREADABLE_OBJECT_INFO = 'a readable /object_info (a UI-format workflow is converted with the server\'s node definitions)'

/** The error of a UI-format workflow on a server whose `/object_info` could not be read: it cannot be converted there. */
export function unreadableObjectInfo(server: string): NoCapableServerError {
  return new NoCapableServerError({ [server]: [UNREADABLE_OBJECT_INFO] })
}

/**
 * A UI graph converted with one server's `/object_info`: throws `NO_CAPABLE_SERVER` for node types the server lacks,
 * `UNSUPPORTED_UI_WORKFLOW` for the rest of what cannot be converted, `INVALID_IMAGE` for an image keyed by a node
 * the conversion dropped.
 */
export function convertForServer(graph: UiWorkflow, info: ObjectInfo, server: string, imageNodes: readonly string[]): ComfyWorkflow {
  let prompt: ComfyWorkflow
  try {
    prompt = fromUiWorkflow(graph, info)
  }
  catch (error) {
    if (error instanceof UiWorkflowError && error.reason === 'missing-node-type')
      throw new NoCapableServerError({ [server]: error.missingNodeTypes.map(t => `node type ${t}`) })
    throw error
  }
  assertWorkflow(prompt)
  for (const nodeId of imageNodes) {
    if (!(nodeId in prompt))
      throw new InvalidArgumentError('INVALID_IMAGE', `An image is given for node "${nodeId}", but that node is not in the workflow once converted (muted, a note, or not a node id: inside a subgraph use "<instanceId>:<innerId>").`)
  }
  return prompt
}

/**
 * The step where a workflow becomes what is sent to one server, given that server's `/object_info` (`undefined`
 * when it could not be fetched: then the server's own validation decides). Throws `WORKFLOW_INVALID_FOR_SERVER`
 * listing every problem when the server would refuse it as a whole; a workflow with one output that passes is sent. A UI-format workflow arrives here converted with the same definitions (see `workflow-source.ts`).
 */
export function prepareWorkflowForServer(server: string, workflow: ComfyWorkflow, objectInfo: ObjectInfo | undefined, options: { validate: boolean, skip: readonly string[] }): ComfyWorkflow {
  if (!objectInfo || !options.validate)
    return workflow
  const verdict = judgeWorkflow(workflow, objectInfo, { skip: options.skip })
  if (verdict.refused) // else the server runs the outputs that pass, and its node_errors name the others
    throw new WorkflowCheckError(server, verdict.problems, verdict.refused)
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
      const infos = new Map<string, ObjectInfo | undefined>()
      for (const server of capable) {
        try {
          infos.set(server, await objectInfo(server))
          prepare(server, infos.get(server))
          fit.add(server)
        }
        catch (error) {
          errors.push(error)
        }
      }
      if (fit.size === 0)
        throw errors[0]
      return validate ? preferComplete(fit, server => lacksOf(source, server, infos.get(server), skip, true)) : fit
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

/**
 * The servers of `fit` where every output of the workflow can run, when there are any (ComfyUI would run only some
 * outputs elsewhere); else all of `fit`.
 */
function preferComplete(fit: Set<string>, lacksAny: (server: string) => string[]): Set<string> {
  const complete = new Set([...fit].filter(server => lacksAny(server).length === 0))
  return complete.size > 0 ? complete : fit
}

/**
 * What `server` lacks for this submit (`[]`: nothing): node types a UI graph's conversion misses, then `canRun` unless
 * `skip` is `null` (no validation); with `everyOutput`, also what only some outputs lack.
 */
function lacksOf(source: WorkflowSource, server: string, info: ObjectInfo | undefined, skip: readonly string[] | null, everyOutput = false): string[] {
  let prompt: ComfyWorkflow
  try {
    prompt = source.forServer(server, info).prompt
  }
  catch (error) {
    if (error instanceof NoCapableServerError)
      return [...(error.lacks[server] ?? [])]
    throw error
  }
  return info && skip ? canRun(prompt, info, { skip, everyOutput }) : []
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
