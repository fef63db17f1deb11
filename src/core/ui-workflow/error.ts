import { ComfyTetherError } from '../errors'

/**
 * Why a UI-format workflow could not be converted:
 * - `malformed`: not a UI workflow, or its nodes/links do not fit together (a link to a missing node, a bad slot);
 * - `cycle`: links or subgraphs that lead back to themselves;
 * - `missing-node-type`: node classes the server's `/object_info` does not know (see `missingNodeTypes`);
 * - `widget-mismatch`: a node's saved widget values do not fit the widgets `/object_info` declares;
 * - `unsupported`: a feature the converter does not handle (legacy group nodes, promoted subgraph widgets, …).
 */
export type UiWorkflowErrorReason = 'malformed' | 'cycle' | 'missing-node-type' | 'widget-mismatch' | 'unsupported'

/** Where a conversion error was found and what to do about it. */
export interface UiWorkflowErrorDetails {
  /** The node's id (an execution id such as `"12:3"` inside a subgraph), when one node is at fault. */
  nodeId?: string
  /** That node's type. */
  nodeType?: string
  /** For `missing-node-type`: every class the workflow uses that `/object_info` lacks, in order of appearance. */
  missingNodeTypes?: readonly string[]
  /** What the user can do instead. */
  fix?: string
}

const DEFAULT_FIX = 'Open the workflow in ComfyUI and use "Export (API)", or fix the node and save again.'

/**
 * A UI-format workflow that cannot be converted to the API format exactly. Code `UNSUPPORTED_UI_WORKFLOW`.
 * The converter throws this instead of sending a prompt that differs from what the frontend would send.
 */
export class UiWorkflowError extends ComfyTetherError {
  override readonly name = 'UiWorkflowError'
  declare readonly code: 'UNSUPPORTED_UI_WORKFLOW'
  /** The node's id (an execution id such as `"12:3"` inside a subgraph), when one node is at fault. */
  readonly nodeId: string | undefined
  /** That node's type. */
  readonly nodeType: string | undefined
  /** For `missing-node-type`: every class the workflow uses that `/object_info` lacks. */
  readonly missingNodeTypes: readonly string[]

  constructor(readonly reason: UiWorkflowErrorReason, readonly detail: string, details: UiWorkflowErrorDetails = {}) {
    const where = details.nodeId === undefined ? '' : `node ${details.nodeId}${details.nodeType === undefined ? '' : ` (${details.nodeType})`}: `
    super('UNSUPPORTED_UI_WORKFLOW', `Cannot convert the UI-format workflow (${reason}): ${where}${detail}. ${details.fix ?? DEFAULT_FIX}`)
    this.nodeId = details.nodeId
    this.nodeType = details.nodeType
    this.missingNodeTypes = details.missingNodeTypes ?? []
  }
}
