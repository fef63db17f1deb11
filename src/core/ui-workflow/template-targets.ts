import type { UiWorkflow } from './types'

/** A template parameter bound to one node input of a UI graph: the node's id is the same once converted. */
export interface UiParamBinding {
  nodeId: string
  input: string
}

/**
 * Resolves `"<node id or title>.<input>"` against a UI graph, as far as the graph allows without `/object_info`: the
 * node must exist (a top-level id, an id `"<instanceId>:<innerId>"` inside a subgraph or group node, or the title of
 * exactly one node). Whether it has that input is known only once converted on a server.
 * @returns the binding, or why it names no node
 */
export function resolveUiTarget(graph: UiWorkflow, target: unknown): UiParamBinding | string {
  if (typeof target !== 'string' || !target.includes('.'))
    return `has target ${JSON.stringify(target)}, not "<node id or title>.<input>"`
  const dot = target.lastIndexOf('.')
  const node = target.slice(0, dot)
  const input = target.slice(dot + 1)
  const ids = graph.nodes.map(n => String(n.id))
  if (ids.includes(node) || (node.includes(':') && ids.includes(node.split(':')[0] ?? '')))
    return { nodeId: node, input }
  const titled = graph.nodes.filter(n => n.title === node).map(n => String(n.id))
  if (titled.length > 1)
    return `targets the title "${node}", which ${titled.length} nodes (${titled.join(', ')}) have; use a node id`
  const [nodeId] = titled
  if (nodeId === undefined)
    return `targets "${node}", which is neither a node id nor a node title of the UI-format workflow (a node without a title of its own is bound by id)`
  return { nodeId, input }
}
