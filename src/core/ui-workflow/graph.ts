import type { UiLinkObject, UiLinkTuple, UiNode, UiSubgraphDefinition, UiWorkflow } from './types'
import { isRecord } from './detect'
import { UiWorkflowError } from './error'

/** The id of a subgraph's input node as the origin of links inside it (its output node, the target, is -20). */
export const SUBGRAPH_INPUT_ID = '-10'

/** A link with string node ids and numeric slots, whichever schema it came from. */
export interface GraphLink {
  id: string
  originId: string
  originSlot: number
  targetId: string
  targetSlot: number
}

/** One level of the graph: the root, or the inside of one subgraph instance. */
export interface Scope {
  /** Ids of the subgraph instances from the root down to this scope (empty for the root). */
  path: readonly string[]
  nodes: ReadonlyMap<string, UiNode>
  links: ReadonlyMap<string, GraphLink>
  /** The instance this scope is the inside of, and the scope that instance sits in. */
  parent?: { instance: UiNode, scope: Scope, definition: UiSubgraphDefinition }
}

export { isRecord }

function malformed(detail: string, nodeId?: string, nodeType?: string): UiWorkflowError {
  return new UiWorkflowError('malformed', detail, { nodeId, nodeType, fix: 'Pass the JSON that ComfyUI\'s "Save" wrote, unchanged.' })
}

function slotNumber(value: unknown, what: string): number {
  const n = typeof value === 'string' ? Number.parseInt(value, 10) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw malformed(`${what} has slot ${JSON.stringify(value)}, not a slot index`)
  return n
}

function nodeIdString(value: unknown, what: string): string {
  if (typeof value === 'number' || (typeof value === 'string' && value !== '' && value !== '__proto__'))
    return String(value)
  throw malformed(`${what} has node id ${JSON.stringify(value)}`)
}

function normalizeLink(raw: unknown, where: string): GraphLink {
  if (Array.isArray(raw)) {
    const tuple = raw as unknown as UiLinkTuple
    if (tuple.length < 5)
      throw malformed(`a link of ${where} is ${JSON.stringify(raw)}, not [id, origin, slot, target, slot, type]`)
    const what = `link ${String(tuple[0])} of ${where}`
    return { id: String(tuple[0]), originId: nodeIdString(tuple[1], what), originSlot: slotNumber(tuple[2], what), targetId: nodeIdString(tuple[3], what), targetSlot: slotNumber(tuple[4], what) }
  }
  if (!isRecord(raw))
    throw malformed(`a link of ${where} is ${JSON.stringify(raw)}, not a link`)
  const link = raw as UiLinkObject
  const what = `link ${String(link.id)} of ${where}`
  return { id: String(link.id), originId: nodeIdString(link.origin_id, what), originSlot: slotNumber(link.origin_slot, what), targetId: nodeIdString(link.target_id, what), targetSlot: slotNumber(link.target_slot, what) }
}

function checkNode(raw: unknown, where: string): UiNode {
  if (!isRecord(raw))
    throw malformed(`a node of ${where} is ${JSON.stringify(raw)}, not an object`)
  const id = nodeIdString(raw.id, `a node of ${where}`)
  if (typeof raw.type !== 'string' || raw.type === '')
    throw malformed('the node has no type', id)
  if (raw.mode !== undefined && typeof raw.mode !== 'number')
    throw malformed(`mode is ${JSON.stringify(raw.mode)}, not a number`, id, raw.type)
  for (const key of ['inputs', 'outputs'] as const) {
    const slots = raw[key]
    if (slots !== undefined && slots !== null && !(Array.isArray(slots) && slots.every(isRecord)))
      throw malformed(`${key} is not a list of slots`, id, raw.type)
  }
  for (const input of (raw.inputs ?? []) as Record<string, unknown>[]) {
    if (typeof input.name !== 'string' || input.name === '__proto__')
      throw malformed('an input has no usable name', id, raw.type)
    if (input.link !== undefined && input.link !== null && typeof input.link !== 'number')
      throw malformed(`input "${input.name}" has link ${JSON.stringify(input.link)}, not a link id`, id, raw.type)
  }
  const values = raw.widgets_values
  if (values !== undefined && values !== null && typeof values !== 'object')
    throw malformed('widgets_values is neither a list nor an object', id, raw.type)
  return raw as UiNode
}

/** Builds the nodes and links of one graph level, checking their shape. */
export function buildScope(nodes: unknown, links: unknown, where: string, path: readonly string[], parent?: Scope['parent']): Scope {
  if (!Array.isArray(nodes))
    throw malformed(`${where} has no "nodes" list`)
  if (links !== undefined && links !== null && !Array.isArray(links))
    throw malformed(`${where} has a "links" field that is not a list`)
  const nodeMap = new Map<string, UiNode>()
  for (const raw of nodes) {
    const node = checkNode(raw, where)
    const id = String(node.id)
    if (nodeMap.has(id))
      throw malformed(`${where} has two nodes with id ${id}`, id, node.type)
    nodeMap.set(id, node)
  }
  const linkMap = new Map<string, GraphLink>()
  for (const raw of (links ?? []) as unknown[]) {
    const link = normalizeLink(raw, where)
    linkMap.set(link.id, link)
  }
  return { path, nodes: nodeMap, links: linkMap, parent }
}

/** Collects subgraph definitions by id, including definitions nested inside definitions. */
export function collectSubgraphs(workflow: UiWorkflow): Map<string, UiSubgraphDefinition> {
  const found = new Map<string, UiSubgraphDefinition>()
  const visit = (definitions: unknown): void => {
    if (definitions === undefined || definitions === null)
      return
    if (!isRecord(definitions) || (definitions.subgraphs !== undefined && !Array.isArray(definitions.subgraphs)))
      throw malformed('"definitions.subgraphs" is not a list of subgraphs')
    for (const raw of (definitions.subgraphs ?? []) as unknown[]) {
      if (!isRecord(raw) || typeof raw.id !== 'string' || !Array.isArray(raw.nodes))
        throw malformed('a subgraph definition has no id or no nodes')
      if (!found.has(raw.id)) {
        found.set(raw.id, raw as UiSubgraphDefinition)
        visit(raw.definitions)
      }
    }
  }
  visit(workflow.definitions)
  return found
}

/** The id a node gets in the API format: its id, prefixed by the ids of the subgraph instances around it. */
export function executionId(scope: Scope, nodeId: string): string {
  return [...scope.path, nodeId].join(':')
}

/** Throws unless `value` has the outline of a UI workflow (a `nodes` list); the rest is checked while converting. */
export function assertUiWorkflowShape(value: unknown): asserts value is UiWorkflow {
  if (!isRecord(value))
    throw malformed(`expected a UI-format workflow object with "nodes" and "links", got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`)
  if (!Array.isArray(value.nodes))
    throw malformed('the object has no "nodes" list, so it is not a UI-format workflow (an API-format one is sent as is)')
}
