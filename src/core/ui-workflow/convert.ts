import type { ComfyWorkflow } from '../validate-input'
import type { ObjectInfo } from './object-info'
import type { PlacedNode } from './subgraphs'
import { UiWorkflowError } from './error'
import { assertUiWorkflowShape, executionId, isRecord } from './graph'
import { LinkResolver, MODE_BYPASSED, MODE_MUTED, NOTE_TYPES, PRIMITIVE, REROUTE } from './links'
import { expandGraph } from './subgraphs'
import { apiValue, widgetInputs } from './widgets'

/** Nodes the frontend keeps to itself: muted, bypassed, notes, reroutes and primitives. */
function staysInFrontend({ node }: PlacedNode): boolean {
  return node.mode === MODE_MUTED || node.mode === MODE_BYPASSED || node.type === REROUTE || node.type === PRIMITIVE || NOTE_TYPES.has(node.type)
}

/**
 * Converts a workflow in ComfyUI's UI format (what "Save" writes) to the API format `/prompt` takes, as the
 * frontend's "Export (API)" does, using the `/object_info` of the server it will run on to name widget values.
 *
 * Widget values are mapped to input names in `/object_info` order (skipping the control value of seed-like widgets and
 * the upload button's value); links are followed through reroutes, primitive nodes (whose value becomes a literal),
 * bypassed nodes (by matching types) and subgraphs and legacy group nodes (inner nodes get ids
 * `"<instanceId>:<innerId>"`); muted nodes, notes and groups are dropped; `_meta.title` is the node's title, or the
 * class's display name.
 *
 * Pure: it reads its arguments, never changes them, and does no I/O.
 *
 * @param graph - The UI-format workflow (parsed JSON). Anything else is rejected.
 * @param objectInfo - `GET /object_info` of the target server.
 * @returns The API-format prompt.
 * @throws UiWorkflowError (`UNSUPPORTED_UI_WORKFLOW`) naming the node and the reason, for anything it cannot convert
 * exactly: node classes the server lacks (all of them listed in `missingNodeTypes`), widget values that do not fit,
 * muted or bypassed subgraphs, promoted subgraph widgets, broken or circular links.
 */
export function fromUiWorkflow(graph: unknown, objectInfo: ObjectInfo): ComfyWorkflow {
  assertUiWorkflowShape(graph)
  if (!isRecord(objectInfo))
    throw new UiWorkflowError('malformed', 'objectInfo is not the object GET /object_info returns', { fix: 'Pass the parsed JSON of the target server\'s GET /object_info.' })
  const expanded = expandGraph(graph, objectInfo)
  const kept = expanded.nodes.filter(placed => !staysInFrontend(placed))
  checkNodeTypes(kept, objectInfo)

  const resolver = new LinkResolver((scope, node) => expanded.innerScopes.get(executionId(scope, String(node.id))))
  const prompt: ComfyWorkflow = {}
  for (const placed of kept) {
    const { node, scope, id } = placed
    const def = objectInfo[node.type]
    if (!def)
      continue // checkNodeTypes has thrown for these
    const inputs = widgetInputs(node, def, id)
    for (const [slot, input] of (node.inputs ?? []).entries()) {
      resolver.reset()
      const source = resolver.resolveInput(scope, node, slot)
      if (source?.kind === 'link')
        inputs[input.name] = [source.id, source.slot]
      else if (source?.kind === 'value')
        inputs[input.name] = apiValue(source.value)
    }
    const title = typeof node.title === 'string' ? node.title : typeof def.display_name === 'string' ? def.display_name : node.type
    prompt[id] = { inputs, class_type: node.type, _meta: { title } }
  }
  dropLinksToMissingNodes(prompt)
  assertAcyclic(prompt)
  return prompt
}

// A tiny shape check, kept in its own module so that detecting the format does not load the converter.
export { isUiWorkflow } from './detect'

function checkNodeTypes(kept: readonly PlacedNode[], objectInfo: ObjectInfo): void {
  const missing = kept.filter(({ node }) => !Object.hasOwn(objectInfo, node.type))
  const [first] = missing
  if (!first)
    return
  const types = [...new Set(missing.map(({ node }) => node.type))]
  throw new UiWorkflowError('missing-node-type', `the server's /object_info has no node class ${types.map(t => `"${t}"`).join(', ')}`, {
    nodeId: first.id,
    nodeType: first.node.type,
    missingNodeTypes: types,
    fix: 'Install the custom nodes on that server (and restart it), or remove those nodes from the workflow.',
  })
}

/** A link from a muted (or otherwise dropped) node is removed, as the frontend does, leaving the input unset. */
function dropLinksToMissingNodes(prompt: ComfyWorkflow): void {
  for (const { inputs } of Object.values(prompt)) {
    for (const [name, value] of Object.entries(inputs)) {
      if (Array.isArray(value) && value.length === 2 && !Object.hasOwn(prompt, String(value[0])))
        Reflect.deleteProperty(inputs, name)
    }
  }
}

function assertAcyclic(prompt: ComfyWorkflow): void {
  const done = new Set<string>()
  const onPath = new Set<string>()
  const visit = (id: string): void => {
    const node = prompt[id]
    if (!node || done.has(id))
      return
    if (onPath.has(id))
      throw new UiWorkflowError('cycle', 'its output feeds back into its own inputs', { nodeId: id, nodeType: node.class_type, fix: 'Remove the link that closes the loop; ComfyUI cannot run a cycle.' })
    onPath.add(id)
    for (const value of Object.values(node.inputs)) {
      if (Array.isArray(value))
        visit(String(value[0]))
    }
    onPath.delete(id)
    done.add(id)
  }
  for (const id of Object.keys(prompt))
    visit(id)
}
