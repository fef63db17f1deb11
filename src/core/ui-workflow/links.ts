import type { Scope } from './graph'
import type { UiNode, UiSlotType } from './types'
import { UiWorkflowError } from './error'
import { executionId, SUBGRAPH_INPUT_ID } from './graph'

/** Node modes of the frontend (LiteGraph's `LGraphEventMode`). */
export const MODE_MUTED = 2
export const MODE_BYPASSED = 4

/** Frontend-only node types that never reach the server. */
export const REROUTE = 'Reroute'
export const PRIMITIVE = 'PrimitiveNode'
export const NOTE_TYPES: ReadonlySet<string> = /* @__PURE__ */ new Set(['Note', 'MarkdownNote'])

/** Where an input's value comes from: a node's output, a literal (a PrimitiveNode's value), or nothing. */
export type Resolved = { kind: 'link', id: string, slot: number } | { kind: 'value', value: unknown } | undefined

/** Looks up the subgraph instance scope of `node`, if it is one. */
export type InnerScopeOf = (scope: Scope, node: UiNode) => Scope | undefined

function typeString(type: UiSlotType | undefined): string {
  return Array.isArray(type) ? type.join(',') : String(type ?? '')
}

/** LiteGraph's rule for whether two slot types connect: `*`/empty matches all, else any shared comma-separated name. */
export function typesConnect(a: UiSlotType | undefined, b: UiSlotType | undefined): boolean {
  const x = typeString(a)
  const y = typeString(b)
  if (x === '' || x === '*' || y === '' || y === '*' || x === y)
    return true
  const xs = x.toLowerCase().split(',')
  return y.toLowerCase().split(',').some(t => xs.includes(t))
}

/**
 * The input of a bypassed node that stands in for its output `slot`, for a consumer of `type` (the frontend's rule):
 * the same slot if its type fits, else the first input of exactly `type`, else the first that connects; -1 if none.
 */
export function bypassInputIndex(node: UiNode, slot: number, type: UiSlotType | undefined): number {
  const inputs = node.inputs ?? []
  const wanted = typeString(type)
  if (wanted === '' || wanted === '*')
    return inputs.length > slot ? slot : 0
  const outputType = node.outputs?.[slot]?.type
  const same = inputs[slot]
  if (same && typesConnect(same.type, outputType) && typesConnect(same.type, type))
    return slot
  const exact = inputs.findIndex(input => typeString(input.type) === wanted)
  if (exact !== -1)
    return exact
  return inputs.findIndex(input => typesConnect(input.type, outputType) && typesConnect(input.type, type))
}

function where(scope: Scope, node: UiNode): { nodeId: string, nodeType: string } {
  return { nodeId: executionId(scope, String(node.id)), nodeType: node.type }
}

/** Resolves links through reroutes, primitives, bypassed nodes and subgraph boundaries. */
export class LinkResolver {
  readonly #innerScopeOf: InnerScopeOf
  readonly #visited = new Set<string>()

  constructor(innerScopeOf: InnerScopeOf) {
    this.#innerScopeOf = innerScopeOf
  }

  /** Where the value of input `slot` of `node` comes from. Pass `type` to match bypassed nodes for another consumer. */
  resolveInput(scope: Scope, node: UiNode, slot: number, type?: UiSlotType): Resolved {
    this.#enter(scope, node, `I${slot}`)
    const input = node.inputs?.[slot]
    if (!input)
      throw new UiWorkflowError('malformed', `a link ends at input slot ${slot}, which the node does not have`, where(scope, node))
    if (input.link === undefined || input.link === null)
      return undefined
    const link = scope.links.get(String(input.link))
    if (!link)
      throw new UiWorkflowError('malformed', `input "${input.name}" uses link ${input.link}, which is not in the links list`, where(scope, node))
    if (link.originId === SUBGRAPH_INPUT_ID && scope.parent !== undefined)
      return this.#resolveSubgraphInput(scope, link.originSlot)
    const origin = scope.nodes.get(link.originId)
    if (!origin)
      throw new UiWorkflowError('malformed', `input "${input.name}" is linked (link ${link.id}) from node ${link.originId}, which does not exist`, where(scope, node))
    return this.resolveOutput(scope, origin, link.originSlot, type ?? input.type)
  }

  /** What output `slot` of `node` delivers to a consumer of `type`. */
  resolveOutput(scope: Scope, node: UiNode, slot: number, type: UiSlotType | undefined): Resolved {
    this.#enter(scope, node, `O${slot}`)
    if (node.mode === MODE_BYPASSED) {
      const index = bypassInputIndex(node, slot, type)
      return index === -1 ? undefined : this.resolveInput(scope, node, index)
    }
    const inner = this.#innerScopeOf(scope, node)
    if (inner)
      return this.#resolveSubgraphOutput(scope, node, inner, slot, type)
    if (node.type === REROUTE)
      return node.inputs?.[slot] ? this.resolveInput(scope, node, slot, type) : undefined
    if (node.type === PRIMITIVE) {
      const values = node.widgets_values
      return Array.isArray(values) && values.length > 0 ? { kind: 'value', value: values[0] } : undefined
    }
    if (NOTE_TYPES.has(node.type))
      return undefined
    return { kind: 'link', id: executionId(scope, String(node.id)), slot }
  }

  /** A link from a subgraph's input node: follow the instance's input outward. */
  #resolveSubgraphInput(scope: Scope, slot: number): Resolved {
    if (!scope.parent)
      return undefined
    const { instance, scope: outer } = scope.parent
    const input = instance.inputs?.[slot]
    if (!input)
      throw new UiWorkflowError('malformed', `a link inside the subgraph starts at its input ${slot}, which the instance does not have`, where(outer, instance))
    if (input.link === undefined || input.link === null) {
      if (input.widget)
        throw new UiWorkflowError('unsupported', `subgraph input "${input.name}" is a promoted widget with no link; its per-instance value is not mapped`, { ...where(outer, instance), fix: 'Link the input, or use "Export (API)".' })
      return undefined
    }
    // As in the frontend, the instance's own input type decides bypass matching outside.
    return this.resolveInput(outer, instance, slot)
  }

  /** An output of a subgraph instance: follow the link that ends at the definition's output node. */
  #resolveSubgraphOutput(scope: Scope, node: UiNode, inner: Scope, slot: number, type: UiSlotType | undefined): Resolved {
    const output = inner.parent?.definition.outputs?.[slot]
    if (!output)
      throw new UiWorkflowError('malformed', `a link starts at output ${slot} of the subgraph, which its definition does not have`, where(scope, node))
    const linkId = output.linkIds?.[0]
    if (linkId === undefined)
      return undefined
    const link = inner.links.get(String(linkId))
    if (!link)
      throw new UiWorkflowError('malformed', `subgraph output "${output.name}" uses link ${linkId}, which the subgraph does not have`, where(scope, node))
    if (link.originId === SUBGRAPH_INPUT_ID)
      return this.#resolveSubgraphInput(inner, link.originSlot)
    const origin = inner.nodes.get(link.originId)
    if (!origin)
      throw new UiWorkflowError('malformed', `subgraph output "${output.name}" comes from node ${link.originId}, which the subgraph does not have`, where(scope, node))
    return this.resolveOutput(inner, origin, link.originSlot, type)
  }

  /** Each input and output is passed at most once per lookup; a second visit means the links go round in a circle. */
  #enter(scope: Scope, node: UiNode, slot: string): void {
    const key = `${executionId(scope, String(node.id))}[${slot}]`
    if (this.#visited.has(key))
      throw new UiWorkflowError('cycle', `its links lead back to ${slot.startsWith('I') ? 'input' : 'output'} ${slot.slice(1)} of this node`, where(scope, node))
    this.#visited.add(key)
  }

  /** Starts a new lookup (the visited set guards one lookup, as in the frontend). */
  reset(): void {
    this.#visited.clear()
  }
}
