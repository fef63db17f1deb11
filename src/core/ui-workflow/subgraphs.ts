import type { Scope } from './graph'
import type { ObjectInfo } from './object-info'
import type { UiNode, UiSubgraphDefinition, UiWorkflow } from './types'
import { UiWorkflowError } from './error'
import { buildScope, collectSubgraphs, executionId } from './graph'
import { groupNodeDefinition, groupNodeName } from './group-nodes'
import { MODE_BYPASSED, MODE_MUTED } from './links'

/** A node that is not a subgraph instance, with the graph level it sits in. */
export interface PlacedNode {
  scope: Scope
  node: UiNode
  /** Its API id: `"<instanceId>:<innerId>"` inside a subgraph, as the frontend makes them. */
  id: string
}

/** The graph with every subgraph instance expanded into its inner nodes. */
export interface ExpandedGraph {
  root: Scope
  nodes: PlacedNode[]
  /** The inside of a subgraph instance, by the instance's API id. */
  innerScopes: ReadonlyMap<string, Scope>
}

/** Expands subgraph instances (recursively) and legacy group nodes, checking for subgraphs that contain themselves. */
export function expandGraph(workflow: UiWorkflow, objectInfo: ObjectInfo): ExpandedGraph {
  const definitions = collectSubgraphs(workflow)
  const root = buildScope(workflow.nodes, workflow.links, 'the workflow', [])
  const nodes: PlacedNode[] = []
  const innerScopes = new Map<string, Scope>()

  const visit = (scope: Scope, open: readonly string[]): void => {
    for (const node of scope.nodes.values()) {
      const id = executionId(scope, String(node.id))
      const group = groupNodeName(workflow, node.type)
      const definition = group === undefined ? definitions.get(node.type) : groupNodeDefinition(workflow, node, group, objectInfo)
      if (!definition) {
        nodes.push({ scope, node, id })
        continue
      }
      if (open.includes(definition.id))
        throw new UiWorkflowError('cycle', `subgraph "${definition.name ?? definition.id}" contains an instance of itself`, { nodeId: id, nodeType: node.type })
      if (node.mode === MODE_MUTED || node.mode === MODE_BYPASSED) {
        throw new UiWorkflowError('unsupported', `a ${node.mode === MODE_MUTED ? 'muted' : 'bypassed'} ${group === undefined ? 'subgraph instance' : 'group node'} is not converted (frontend versions treat its inner nodes differently)`, {
          nodeId: id,
          nodeType: node.type,
          fix: 'Set the subgraph node back to "Always", mute or bypass the nodes inside it instead, and save again.',
        })
      }
      const inner = innerScope(scope, node, definition)
      innerScopes.set(id, inner)
      visit(inner, [...open, definition.id])
    }
  }
  visit(root, [])
  return { root, nodes, innerScopes }
}

function innerScope(scope: Scope, instance: UiNode, definition: UiSubgraphDefinition): Scope {
  const path = [...scope.path, String(instance.id)]
  return buildScope(definition.nodes, definition.links, `subgraph "${definition.name ?? definition.id}"`, path, { instance, scope, definition })
}
