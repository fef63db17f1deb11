import type { UiNode, UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'

/** Node types only the frontend knows: the conversion drops them without asking the server. */
const FRONTEND_ONLY: ReadonlySet<string> = /* @__PURE__ */ new Set(['Reroute', 'PrimitiveNode', 'Note', 'MarkdownNote'])

/** The node classes an API-format workflow uses: the only `/object_info` entries its checks need. */
export function apiWorkflowClasses(workflow: ComfyWorkflow): string[] {
  return [...new Set(Object.values(workflow).map(node => node.class_type))]
}

/**
 * The node classes a UI graph may use, inside subgraphs and legacy group nodes too: every node `type` but a subgraph's
 * id, a group node's `workflow>Name` and the frontend-only types (notes, reroutes, primitives).
 */
export function uiWorkflowClasses(graph: UiWorkflow): string[] {
  const types = new Set<string>()
  const subgraphs = new Set<string>()
  const add = (nodes: unknown): void => {
    if (!Array.isArray(nodes))
      return
    for (const node of nodes as UiNode[]) {
      if (typeof node?.type === 'string' && !/^workflow[>/]/.test(node.type) && !FRONTEND_ONLY.has(node.type))
        types.add(node.type)
    }
  }
  const visit = (definitions: UiWorkflow['definitions']): void => {
    for (const sub of definitions?.subgraphs ?? []) {
      subgraphs.add(sub.id)
      add(sub.nodes)
      visit(sub.definitions)
    }
  }
  add(graph.nodes)
  visit(graph.definitions)
  const groups = graph.extra?.groupNodes
  if (groups && typeof groups === 'object') {
    for (const group of Object.values(groups)) add((group as { nodes?: unknown } | null)?.nodes)
  }
  return [...types].filter(type => !subgraphs.has(type))
}
