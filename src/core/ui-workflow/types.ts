/**
 * The UI (graph) format of a ComfyUI workflow, as the frontend's "Save" writes it (schema 0.4, plus the fields of
 * schema 1 and subgraph definitions that current frontends add). Only the fields the converter reads are named; a
 * saved file has many more (positions, sizes, colours, …), which are allowed and ignored.
 */

/** A node id: a number in saved files; a string in group-node and subgraph internals. */
export type UiNodeId = number | string

/** A slot's data type: a type name (`"MODEL"`, `"*"`, `"IMAGE,MASK"`), a list of them, or a legacy number. */
export type UiSlotType = string | readonly string[] | number

/** One input slot of a node. */
export interface UiNodeInput {
  /** The input's name: the key it gets in the API format. */
  name: string
  /** Its data type, used to pass links through bypassed nodes. */
  type: UiSlotType
  /** The id of the link plugged in, or `null`/absent when nothing is. */
  link?: number | null
  /** Present when the input is a widget converted to (or shown as) an input. */
  widget?: { name: string }
  [key: string]: unknown
}

/** One output slot of a node. */
export interface UiNodeOutput {
  name: string
  type: UiSlotType
  links?: readonly number[] | null
  [key: string]: unknown
}

/** One node of the graph. */
export interface UiNode {
  id: UiNodeId
  /** The node class (`"KSampler"`), a frontend-only type (`"Reroute"`, `"PrimitiveNode"`, `"Note"`), a subgraph id, or a group node (`"workflow>…"`). */
  type: string
  /** 0 always (the default), 2 muted (never runs), 4 bypassed (its inputs are passed to its consumers). */
  mode?: number
  /** The title the user gave the node, if any. */
  title?: string
  inputs?: readonly UiNodeInput[]
  outputs?: readonly UiNodeOutput[]
  /** Widget values in widget order, or (some custom nodes) an object keyed by widget name. */
  widgets_values?: readonly unknown[] | Readonly<Record<string, unknown>> | null
  [key: string]: unknown
}

/** A link of schema 0.4: `[id, originNode, originSlot, targetNode, targetSlot, type]`. */
export type UiLinkTuple = readonly [number, UiNodeId, number | string, UiNodeId, number | string, UiSlotType?]

/** A link of schema 1 and of subgraph definitions. In a subgraph, origin `-10` is its input node and target `-20` its output node. */
export interface UiLinkObject {
  id: number
  origin_id: UiNodeId
  origin_slot: number | string
  target_id: UiNodeId
  target_slot: number | string
  type?: UiSlotType
  [key: string]: unknown
}

/** One input or output of a subgraph definition. */
export interface UiSubgraphIO {
  name: string
  type: string
  /** The links inside the subgraph that start (input) or end (output) at this slot. */
  linkIds?: readonly number[]
  [key: string]: unknown
}

/** A subgraph definition (`definitions.subgraphs[]`); its instances are nodes whose `type` is its `id`. */
export interface UiSubgraphDefinition {
  id: string
  name?: string
  nodes: readonly UiNode[]
  links?: readonly (UiLinkObject | UiLinkTuple)[]
  inputs?: readonly UiSubgraphIO[]
  outputs?: readonly UiSubgraphIO[]
  definitions?: { subgraphs?: readonly UiSubgraphDefinition[] }
  [key: string]: unknown
}

/**
 * A workflow in ComfyUI's UI format. Convert it with {@link fromUiWorkflow} before sending it to `/prompt`; detect it
 * with {@link isUiWorkflow}.
 */
export interface UiWorkflow {
  nodes: readonly UiNode[]
  links?: readonly (UiLinkTuple | UiLinkObject)[]
  /** Ignored by the conversion. */
  groups?: readonly unknown[]
  version?: number
  definitions?: { subgraphs?: readonly UiSubgraphDefinition[] }
  /** `extra.groupNodes` holds legacy group-node definitions. */
  extra?: { groupNodes?: Readonly<Record<string, unknown>>, [key: string]: unknown } | null
  [key: string]: unknown
}
