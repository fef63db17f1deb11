import { ComfyTetherError } from './errors'

/** Why a template's values cannot be used (`INVALID_WORKFLOW_PARAMS`). */
export type WorkflowParamsProblem = 'unknown' | 'missing' | 'bad-value'

/** `defineWorkflow` bindings that do not fit the workflow, or `submit` values that do not fit the template. */
export class WorkflowParamsError extends ComfyTetherError {
  override readonly name = 'WorkflowParamsError'
  constructor(readonly problems: readonly { param: string, problem: WorkflowParamsProblem, detail: string }[]) {
    super('INVALID_WORKFLOW_PARAMS', `The workflow parameters do not fit: ${problems.map(p => `"${p.param}" ${p.detail}`).join('; ')}. Fix the names or values and submit again.`)
  }
}

/** The kind of one problem found by `validateWorkflow`, mirroring ComfyUI's own `node_errors` types. */
export type WorkflowProblemKind =
  | 'unknown-node-type'
  | 'missing-input'
  | 'value-not-in-options'
  | 'wrong-type'
  | 'out-of-range'
  | 'link-to-missing-node'
  | 'link-to-missing-output'
  | 'link-type-mismatch'

/** One thing the server would refuse, with where it is and what is allowed. */
export interface WorkflowProblem {
  kind: WorkflowProblemKind
  nodeId: string
  classType: string
  /** `_meta.title` of the node, when the workflow has one. */
  title?: string
  input?: string
  value?: unknown
  /** The combo options, or `[min, max]` for `out-of-range`, or the accepted types. */
  allowed?: readonly unknown[]
  message: string
}

function describeProblem(p: WorkflowProblem): string {
  return `node ${p.nodeId}${p.title ? ` "${p.title}"` : ''} (${p.classType})${p.input ? ` input "${p.input}"` : ''}: ${p.message}`
}

/**
 * Why the server would refuse a whole prompt, named as ComfyUI's `POST /prompt` error `type`: a node type it lacks,
 * no output node (`SaveImage`, `PreviewImage`, …), or no output whose nodes all pass.
 */
export type WorkflowRefusal = 'missing_node_type' | 'prompt_no_outputs' | 'prompt_outputs_failed_validation'

/** The workflow does not fit the server's `/object_info`; nothing was sent. */
export class WorkflowCheckError extends ComfyTetherError {
  override readonly name = 'WorkflowCheckError'
  /**
   * The error `type` ComfyUI would answer with: `prompt_no_outputs` when the workflow has no output node (then
   * `problems` is empty), else `prompt_outputs_failed_validation` or `missing_node_type`.
   */
  readonly refusal: WorkflowRefusal
  constructor(readonly server: string, readonly problems: readonly WorkflowProblem[], refusal: WorkflowRefusal = 'prompt_outputs_failed_validation') {
    super('WORKFLOW_INVALID_FOR_SERVER', refusal === 'prompt_no_outputs'
      ? `The workflow cannot run on "${server}": it has no output node, so the server would refuse it ("Prompt has no outputs", prompt_no_outputs). Add a node that saves or previews a result (SaveImage, PreviewImage, …) and link it to what it should keep.`
      : `The workflow cannot run on "${server}" (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.map(describeProblem).join(' | ')}. Fix the workflow, or install the nodes and models on that server; pass { validate: false } to send it anyway.`)
    this.refusal = refusal
  }
}

/** No configured server has every node type and model the workflow needs. */
export class NoCapableServerError extends ComfyTetherError {
  override readonly name = 'NoCapableServerError'
  constructor(readonly lacks: Readonly<Record<string, readonly string[]>>, readonly lockedServer?: string) {
    const list = Object.entries(lacks).map(([s, r]) => `"${s}" lacks ${r.join(', ')}`).join('; ')
    super('NO_CAPABLE_SERVER', lockedServer
      ? `The locked server "${lockedServer}" cannot run this workflow: ${list}. The lock is kept; install what is missing there, or wait until its tasks end and the lock is released.`
      : `No server can run this workflow: ${list}. Install the missing nodes or models on a server, or change the workflow.`)
  }
}
