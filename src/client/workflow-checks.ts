// Loaded on demand (see load-workflow-checks.ts): everything that needs a server's `/object_info` to judge a workflow,
// i.e. the UI-format conversion, validation and the capability checks of placement. Each of its callers waits on
// the network for that `/object_info` anyway, so importing this code then costs nothing an app would notice.
import type { ObjectInfo } from '../core/object-info'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { WorkflowProblem } from '../core/workflow-errors'
import type { WorkflowTemplate } from '../core/workflow-template'
import type { WorkflowSource } from './workflow-source'
import { InvalidArgumentError } from '../core/errors'
import { fromUiWorkflow, isUiWorkflow, UiWorkflowError } from '../core/ui-workflow'
import { assertWorkflow } from '../core/validate-input'
import { canRun, judgeWorkflow } from '../core/validate-workflow'
import { NoCapableServerError, WorkflowCheckError } from '../core/workflow-errors'
import { isWorkflowTemplate } from '../core/workflow-template'
import { apiWorkflowClasses, uiWorkflowClasses } from './workflow-classes'

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

/** Where a submit's checks read node info: its classes on one server (`undefined`: unreadable). */
export interface FitNodeInfo {
  /** From the cache, or read now; `fresh` reads the server again. */
  get: (server: string, fresh?: boolean) => Promise<ObjectInfo | undefined>
  /** From the cache only. */
  peek: (server: string) => ObjectInfo | undefined
}

/** Which servers a workflow may be placed on; see {@link createServerFit}. */
export interface ServerFit {
  /**
   * The candidates that have what the workflow needs and where it passes validation. Throws `NO_CAPABLE_SERVER` when
   * none has its node types and models, `WORKFLOW_INVALID_FOR_SERVER` when it fails validation on every capable one.
   * Before it refuses, the servers' node info is read again, once per server and submit.
   */
  check: (candidates: readonly string[], lockedServer?: string) => Promise<Set<string>>
  /** Synchronous, from cached node info: throws like `check` when `server` is known not to fit. */
  assertFitsNow: (server: string) => void
  /** The last check before `POST /prompt`, on the chosen server: throws like `check` (after reading it again once). */
  assertFits: (server: string) => Promise<void>
}

/** The outcome of the checks on one set of node definitions. */
interface Verdict {
  /** What the server lacks (node types, combo values); empty when it has everything. */
  lacks: string[]
  /** Why it does not fit otherwise (a validation error, a UI graph it cannot convert). */
  error?: unknown
  /** Every output can run there (else ComfyUI would run only the outputs that pass). */
  complete: boolean
}

/**
 * The placement check of one submit, over each server's node info (`undefined` when unreadable: then the server
 * decides, except for a UI-format workflow, which cannot be converted without it). `validate: false` keeps only what a
 * UI-format workflow needs: that it converts. Verdicts are kept per node-info object, which servers with equal
 * definitions of the workflow's classes share: the checks of one submit cost the same on 1 server as on 8.
 */
export function createServerFit(source: WorkflowSource, skip: readonly string[], nodeInfo: FitNodeInfo, validate = true): ServerFit {
  const verdicts = new WeakMap<ObjectInfo, Verdict>()
  const reread = new Set<string>()

  function verdictOf(server: string, info: ObjectInfo | undefined): Verdict {
    const cached = info && verdicts.get(info)
    if (cached)
      return cached
    let verdict: Verdict
    try {
      const prompt = source.forServer(server, info).prompt
      // As ComfyUI's validate_prompt: refused as a whole only for an unknown node type, no output, or no output that
      // passes; otherwise the server runs the outputs that pass and its node_errors name the others.
      const judged = info && validate ? judgeWorkflow(prompt, info, { skip }) : undefined
      const refused = judged?.refused
      verdict = refused
        ? { lacks: lacksIn(judged.problems), error: new WorkflowCheckError(server, judged.problems, refused), complete: false }
        : { lacks: [], complete: !judged || judged.problems.length === 0 }
    }
    catch (error) {
      if (!(error instanceof NoCapableServerError))
        throw error // the graph cannot be converted anywhere (UNSUPPORTED_UI_WORKFLOW, INVALID_IMAGE)
      verdict = { lacks: [...(error.lacks[server] ?? [])], complete: false }
    }
    if (info)
      verdicts.set(info, verdict)
    return verdict
  }

  /** The server's own error for a refusal (a cached verdict may name the server it was first made on). */
  function refusal(server: string, verdict: Verdict, lockedServer?: string): unknown {
    if (verdict.lacks.length > 0)
      return new NoCapableServerError({ [server]: verdict.lacks }, lockedServer)
    const error = verdict.error
    return error instanceof WorkflowCheckError && error.server !== server ? new WorkflowCheckError(server, error.problems, error.refusal) : error
  }

  /** The verdict on `server` given its node info; a refusal is looked at again with freshly read node info, once per submit. */
  async function judge(server: string, info?: ObjectInfo): Promise<Verdict> {
    const verdict = verdictOf(server, info ?? await nodeInfo.get(server))
    if ((verdict.lacks.length === 0 && !verdict.error) || reread.has(server))
      return verdict
    reread.add(server)
    return verdictOf(server, await nodeInfo.get(server, true))
  }

  return {
    async check(candidates, lockedServer) {
      const infos = await Promise.all(candidates.map(server => nodeInfo.get(server)))
      // Refusals only: read those servers again (in parallel), in case their node info changed since it was cached.
      const judged = await Promise.all(candidates.map(async (server, i): Promise<[string, Verdict]> => {
        const verdict = verdictOf(server, infos[i])
        return [server, verdict.lacks.length === 0 && !verdict.error ? verdict : await judge(server, infos[i])]
      }))
      const missing: Record<string, string[]> = {}
      const errors: unknown[] = []
      const fit = new Set<string>()
      for (const [server, verdict] of judged) {
        if (verdict.lacks.length > 0)
          missing[server] = verdict.lacks
        else if (verdict.error)
          errors.push(refusal(server, verdict))
        else
          fit.add(server)
      }
      if (fit.size > 0) {
        // Prefer the servers where every output runs, when there are any.
        const complete = new Set([...fit].filter(server => judged.some(([s, v]) => s === server && v.complete)))
        return complete.size > 0 ? complete : fit
      }
      if (errors.length === 0)
        throw new NoCapableServerError(missing, lockedServer)
      throw errors[0]
    },
    assertFitsNow(server) {
      const verdict = verdictOf(server, nodeInfo.peek(server))
      if (verdict.lacks.length > 0 || verdict.error)
        throw refusal(server, verdict, server)
    },
    async assertFits(server) {
      const verdict = await judge(server)
      if (verdict.lacks.length > 0 || verdict.error)
        throw refusal(server, verdict, server)
    },
  }
}

/** What a server lacks among validation problems: node types and combo values (models, samplers), as `canRun` says. */
function lacksIn(problems: readonly WorkflowProblem[]): string[] {
  const reasons = new Set<string>()
  for (const p of problems) {
    if (p.kind === 'unknown-node-type')
      reasons.add(`node type ${p.classType}`)
    else if (p.kind === 'value-not-in-options')
      reasons.add(`${p.input} ${JSON.stringify(p.value)} (node ${p.nodeId})`)
  }
  return [...reasons]
}

/** What each of `servers` lacks to run `workflow` (`[]`: it can), or `null` where its node info is unknown. */
export async function lacksByServer(workflow: ComfyWorkflow | UiWorkflow | WorkflowTemplate, servers: readonly string[], objectInfo: (server: string, classes: readonly string[]) => ObjectInfo | Promise<ObjectInfo | undefined> | undefined): Promise<Record<string, string[] | null>> {
  const plain = isWorkflowTemplate(workflow) ? workflow.ui ?? workflow.workflow as ComfyWorkflow : workflow
  const classes = isUiWorkflow(plain) ? uiWorkflowClasses(plain) : apiWorkflowClasses(plain as ComfyWorkflow)
  const entries = await Promise.all(servers.map(async (server) => {
    const info = await objectInfo(server, classes)
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
