// UI-format (graph) workflows → API-format prompts, as ComfyUI's "Export (API)" does.
export { fromUiWorkflow, isUiWorkflow } from './convert'
export { UiWorkflowError } from './error'
export type { UiWorkflowErrorDetails, UiWorkflowErrorReason } from './error'
export type { ObjectInfo, ObjectInfoInputOptions, ObjectInfoInputSpec, ObjectInfoInputType, ObjectInfoNode } from './object-info'
export type {
  UiLinkObject,
  UiLinkTuple,
  UiNode,
  UiNodeId,
  UiNodeInput,
  UiNodeOutput,
  UiSlotType,
  UiSubgraphDefinition,
  UiSubgraphIO,
  UiWorkflow,
} from './types'
