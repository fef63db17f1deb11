import type { ObjectInfo } from './object-info'
import type { UiLinkObject, UiNode, UiNodeInput, UiSubgraphDefinition, UiSubgraphIO, UiWorkflow } from './types'
import { UiWorkflowError } from './error'
import { isRecord } from './graph'
import { NOTE_TYPES, REROUTE, typesConnect } from './links'
import { widgetSlots } from './widgets'

/*
 * Legacy group nodes (frontends of 2024): a node of type `workflow>Name` (older `workflow/Name`) whose inner nodes are
 * saved once in `extra.groupNodes.Name` as { nodes (with `index`), links: [originIndex | null, originSlot,
 * targetIndex, targetSlot, linkId, type], external: [[node, outputSlot, type]], config }. A null origin is an input of
 * the group. The instance carries the values of all inner widgets, node after node, and exposes as its inputs the
 * inner inputs not linked inside, and as its outputs the inner outputs not consumed inside (or listed in `external`).
 * It is rewritten here as a subgraph definition, so inner nodes get the ids `<groupId>:<index>` the frontend gives them.
 */

type GroupLink = [origin: number | null, originSlot: number, target: number, targetSlot: number, type: string]

interface Exposed {
  index: number
  slot: number
  name: string
  type: string
}

function refuse(node: UiNode, detail: string): UiWorkflowError {
  return new UiWorkflowError('unsupported', detail, {
    nodeId: String(node.id),
    nodeType: node.type,
    fix: 'In ComfyUI, right-click the group node and choose "Convert to nodes", then save again; or use "Export (API)".',
  })
}

/** The name of the group a node is an instance of, if it is a legacy group node. */
export function groupNodeName(workflow: UiWorkflow, type: string): string | undefined {
  const groups = isRecord(workflow.extra) ? workflow.extra.groupNodes : undefined
  const name = /^workflow[>/](.+)$/.exec(type)?.[1]
  return isRecord(groups) && name !== undefined && Object.hasOwn(groups, name) ? name : undefined
}

function readGroup(raw: unknown, instance: UiNode): { nodes: UiNode[], links: GroupLink[], external: string[], config: Record<string, unknown> } {
  if (!isRecord(raw) || !Array.isArray(raw.nodes) || !Array.isArray(raw.links))
    throw new UiWorkflowError('malformed', 'its definition in extra.groupNodes has no nodes or links list', { nodeId: String(instance.id), nodeType: instance.type })
  const nodes = raw.nodes.map((n: unknown, i: number) => {
    if (!isRecord(n) || typeof n.type !== 'string')
      throw new UiWorkflowError('malformed', `inner node ${i} of its group definition has no type`, { nodeId: String(instance.id), nodeType: instance.type })
    return { ...n, id: typeof n.index === 'number' ? n.index : i } as UiNode
  })
  const links = raw.links.map((l: unknown) => {
    if (!Array.isArray(l) || l.length < 4 || !l.slice(1, 4).every(Number.isInteger) || !(l[0] === null || Number.isInteger(l[0])))
      throw new UiWorkflowError('malformed', `its group definition has a link ${JSON.stringify(l)}`, { nodeId: String(instance.id), nodeType: instance.type })
    return [l[0], l[1], l[2], l[3], String(l[5] ?? '')] as GroupLink
  })
  const external = (Array.isArray(raw.external) ? raw.external : []).flatMap((e: unknown) => {
    if (!Array.isArray(e))
      return []
    const index = isRecord(e[0]) ? e[0].index : e[0]
    return [`${String(index)}:${String(e[1])}`]
  })
  const config = isRecord(raw.config) ? raw.config : {}
  return { nodes, links, external, config }
}

/** Renames in `config` only relabel the group's slots; anything else (hidden widgets, …) would change its values. */
function checkConfig(config: Record<string, unknown>, instance: UiNode): void {
  for (const [index, entry] of Object.entries(config)) {
    if (!isRecord(entry) || Object.keys(entry).some(k => k !== 'input' && k !== 'output'))
      throw refuse(instance, `its group config for inner node ${index} holds settings other than slot names`)
    for (const slots of [entry.input, entry.output]) {
      if (slots !== undefined && (!isRecord(slots) || Object.values(slots).some(s => !isRecord(s) || Object.keys(s).some(k => k !== 'name'))))
        throw refuse(instance, `its group config for inner node ${index} changes widgets (visibility), which is not mapped`)
    }
  }
}

function inputRename(config: Record<string, unknown>, index: number, key: string): string | undefined {
  const entry = config[String(index)]
  const renamed = isRecord(entry) && isRecord(entry.input) ? entry.input[key] : undefined
  return isRecord(renamed) && typeof renamed.name === 'string' ? renamed.name : undefined
}

/** Rewrites one group node instance as a subgraph definition with its widget values given to the inner nodes. */
export function groupNodeDefinition(workflow: UiWorkflow, instance: UiNode, name: string, objectInfo: ObjectInfo): UiSubgraphDefinition {
  const group = readGroup(workflow.extra?.groupNodes?.[name], instance)
  checkConfig(group.config, instance)
  const internalTargets = new Set(group.links.filter(l => l[0] !== null).map(l => `${l[2]}:${l[3]}`))
  const internalOrigins = new Set(group.links.filter(l => l[0] !== null).map(l => `${l[0]}:${l[1]}`))

  const inputs: Exposed[] = []
  const outputs: Exposed[] = []
  for (const node of group.nodes) {
    const index = Number(node.id)
    if (node.type === 'PrimitiveNode' || NOTE_TYPES.has(node.type) || groupNodeName(workflow, node.type) !== undefined || (node.inputs ?? []).some(input => input.widget))
      throw refuse(instance, `inner node ${index} (${node.type}) is a primitive, a note, a group or has a converted widget, which group nodes are not expanded with`)
    for (const [slot, input] of (node.inputs ?? []).entries()) {
      if (internalTargets.has(`${index}:${slot}`))
        continue
      const linkType = group.links.find(l => l[2] === index && l[3] === slot)?.[4] ?? ''
      const key = input.name === '' ? linkType : input.name
      inputs.push({ index, slot, name: inputRename(group.config, index, key) ?? key, type: String(input.type) })
    }
    for (const [slot, output] of (node.outputs ?? []).entries()) {
      if (!internalOrigins.has(`${index}:${slot}`) || group.external.includes(`${index}:${slot}`))
        outputs.push({ index, slot, name: output.name, type: String(output.type) })
    }
  }
  const outer = instance.inputs ?? []
  if (outer.length !== inputs.length || inputs.some((e, k) => e.name !== '' && e.name !== outer[k]?.name))
    throw refuse(instance, `its inputs [${outer.map(i => i.name).join(', ')}] do not match the unlinked inputs of its definition [${inputs.map(i => i.name).join(', ')}]`)
  const outerOutputs = instance.outputs ?? []
  if (outerOutputs.length !== outputs.length || outputs.some((e, k) => !typesConnect(e.type, outerOutputs[k]?.type)))
    throw refuse(instance, 'its outputs do not match the outputs of its definition')

  const links: UiLinkObject[] = group.links.map(([origin, originSlot, target, targetSlot, type], k) => origin === null
    ? { id: k + 1, origin_id: -10, origin_slot: inputs.findIndex(e => e.index === target && e.slot === targetSlot), target_id: target, target_slot: targetSlot, type }
    : { id: k + 1, origin_id: origin, origin_slot: originSlot, target_id: target, target_slot: targetSlot, type })
  const outputIO: UiSubgraphIO[] = outputs.map((e, q) => {
    const id = group.links.length + q + 1
    links.push({ id, origin_id: e.index, origin_slot: e.slot, target_id: -20, target_slot: q, type: e.type })
    return { name: e.name, type: e.type, linkIds: [id] }
  })
  const inputIO: UiSubgraphIO[] = inputs.map((e, p) => ({ name: e.name, type: e.type, linkIds: links.filter(l => l.origin_id === -10 && l.origin_slot === p).map(l => l.id) }))

  const values = distributeWidgetValues(instance, group.nodes, objectInfo)
  const nodes = group.nodes.map((node): UiNode => {
    const linkTo = (slot: number): number | null => links.find(l => l.target_id === node.id && l.target_slot === slot)?.id ?? null
    const nodeInputs: UiNodeInput[] = (node.inputs ?? []).map((input, slot) => ({ ...input, link: linkTo(slot) }))
    const widgets = values.get(Number(node.id))
    return { ...node, inputs: nodeInputs, ...(widgets && { widgets_values: widgets }) }
  })
  return { id: `group-node:${name}`, name, nodes, links, inputs: inputIO, outputs: outputIO }
}

/** The instance's `widgets_values` hold every inner node's widget values in node order; split them up. */
function distributeWidgetValues(instance: UiNode, nodes: readonly UiNode[], objectInfo: ObjectInfo): Map<number, unknown[]> {
  const saved = instance.widgets_values ?? []
  if (!Array.isArray(saved))
    throw refuse(instance, 'its widgets_values is not a list')
  const missing = [...new Set(nodes.map(n => n.type).filter(t => t !== REROUTE && !Object.hasOwn(objectInfo, t)))]
  if (missing.length > 0) {
    throw new UiWorkflowError('missing-node-type', `the server's /object_info has no node class ${missing.map(t => `"${t}"`).join(', ')} (inside the group node)`, {
      nodeId: String(instance.id),
      nodeType: instance.type,
      missingNodeTypes: missing,
      fix: 'Install the custom nodes on that server (and restart it), or remove those nodes from the workflow.',
    })
  }
  const out = new Map<number, unknown[]>()
  let at = 0
  for (const node of nodes) {
    const def = objectInfo[node.type]
    if (!def || node.type === REROUTE)
      continue
    // The definition's own copy of the inner values tells how many the node had when it was saved; the server may
    // have added widgets since (they then get their defaults, as for any node).
    const count = Array.isArray(node.widgets_values)
      ? node.widgets_values.length
      : widgetSlots(def, { nodeId: `${String(instance.id)}:${String(node.id)}`, nodeType: node.type }).reduce((n, s) => n + (s.extra ? 2 : 1), 0)
    out.set(Number(node.id), saved.slice(at, at + count))
    at += count
  }
  if (at !== saved.length)
    throw new UiWorkflowError('widget-mismatch', `widgets_values holds ${saved.length} value(s), but its inner nodes take ${at}`, { nodeId: String(instance.id), nodeType: instance.type })
  return out
}
