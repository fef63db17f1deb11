import type { ObjectInfo, ObjectInfoInputSpec } from './object-info'
import { isLink } from './workflow-link'
import { comboOptions, inputSpec } from './object-info'
import type { ComfyWorkflow } from './validate-input'
import type { WorkflowProblem } from './workflow-errors'
import { NoCapableServerError, WorkflowCheckError } from './workflow-errors'

/** Options of {@link validateWorkflow}. */
export interface ValidateWorkflowOptions {
  /**
   * Inputs not to check, as `"nodeId.input"`: e.g. a LoadImage `image` that an upload of this submit fills in.
   * @default []
   */
  skip?: Iterable<string>
}

export { isLink }

const MAX_LISTED = 20

function listed(options: readonly unknown[]): string {
  if (options.length === 0)
    return 'none are installed'
  const shown = options.slice(0, MAX_LISTED).map(o => JSON.stringify(o)).join(', ')
  return `allowed: ${shown}${options.length > MAX_LISTED ? `, … (${options.length} in all)` : ''}`
}

function typesOf(type: string): string[] {
  return type.split(',').map(t => t.trim()).filter(Boolean)
}

/** Literal checks of one input, looser where ComfyUI converts (`int("5")`) and strict where it would silently misread (`bool("false")`). */
function literalProblem(spec: ObjectInfoInputSpec, value: unknown): Pick<WorkflowProblem, 'kind' | 'message' | 'allowed'> | undefined {
  const options = comboOptions(spec)
  const extra = spec[1] ?? {}
  if (options) {
    // Upload and remote combos list files the server fills in lazily; the server checks those itself.
    if (extra.image_upload === true || extra.remote !== undefined || extra.multiselect === true || Array.isArray(value))
      return undefined
    if (!options.includes(value))
      return { kind: 'value-not-in-options', message: `${JSON.stringify(value)} is not an option (${listed(options)})`, allowed: options }
    return undefined
  }
  const type = spec[0] as string
  const types = typesOf(type)
  if (types.includes('*') || types.length > 1)
    return undefined
  let number: number | undefined
  if (type === 'INT' || type === 'FLOAT') {
    const ok = typeof value === 'number'
      ? Number.isFinite(value)
      : typeof value === 'string' && (type === 'INT' ? /^\s*-?\d+\s*$/ : /^\s*-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?\s*$/i).test(value)
    if (!ok)
      return { kind: 'wrong-type', message: `${JSON.stringify(value)} is not ${type === 'INT' ? 'an integer' : 'a number'}`, allowed: [type] }
    number = Number(value)
  }
  else if (type === 'BOOLEAN') {
    if (typeof value !== 'boolean')
      return { kind: 'wrong-type', message: `${JSON.stringify(value)} is not true or false`, allowed: [type] }
  }
  else if (type === 'STRING') {
    if (typeof value !== 'string' && typeof value !== 'number')
      return { kind: 'wrong-type', message: `${JSON.stringify(value)} is not a string`, allowed: [type] }
  }
  else {
    return { kind: 'wrong-type', message: `a ${type} comes from another node's output; link one (["nodeId", slot]) instead of the literal ${JSON.stringify(value)}`, allowed: [type] }
  }
  if (number !== undefined) {
    const min = typeof extra.min === 'number' ? extra.min : undefined
    const max = typeof extra.max === 'number' ? extra.max : undefined
    if ((min !== undefined && number < min) || (max !== undefined && number > max))
      return { kind: 'out-of-range', message: `${number} is ${min !== undefined && number < min ? `below the minimum ${min}` : `above the maximum ${max}`}`, allowed: [min ?? null, max ?? null] }
  }
  return undefined
}

/**
 * Every problem the server's `/object_info` lets us see before `POST /prompt`: unknown node types, missing required
 * inputs, combo values the server does not offer (models, samplers), wrong primitive types, values outside min/max,
 * links to missing nodes or output slots and links between types that cannot connect. Empty when the workflow fits.
 */
export function validateWorkflow(workflow: ComfyWorkflow, objectInfo: ObjectInfo, options: ValidateWorkflowOptions = {}): WorkflowProblem[] {
  const skip = new Set(options.skip ?? [])
  const problems: WorkflowProblem[] = []
  for (const [nodeId, node] of Object.entries(workflow)) {
    const classType = node.class_type
    const title = node._meta?.title
    const at = { nodeId, classType, ...(title ? { title } : {}) }
    const info = objectInfo[classType]
    if (!info) {
      problems.push({ ...at, kind: 'unknown-node-type', message: `the server has no node type "${classType}" (a custom node that is not installed there?)` })
      continue
    }
    const inputs = node.inputs ?? {}
    for (const input of Object.keys(info.input.required ?? {})) {
      if (!(input in inputs) && !skip.has(`${nodeId}.${input}`))
        problems.push({ ...at, input, kind: 'missing-input', message: 'this required input has no value or link' })
    }
    for (const [input, value] of Object.entries(inputs)) {
      const found = inputSpec(info, input)
      if (!found || skip.has(`${nodeId}.${input}`))
        continue // ComfyUI ignores inputs a class does not declare
      if (isLink(value)) {
        const [source, slot] = [String(value[0]), value[1]]
        const from = workflow[source]
        if (!from) {
          problems.push({ ...at, input, value, kind: 'link-to-missing-node', message: `links to node ${source}, which is not in the workflow` })
          continue
        }
        const outputs = objectInfo[from.class_type]?.output
        if (!outputs)
          continue // the source's own unknown type is reported on that node
        if (slot < 0 || slot >= outputs.length) {
          problems.push({ ...at, input, value, kind: 'link-to-missing-output', message: `links to output ${slot} of node ${source} (${from.class_type}), which has ${outputs.length} output${outputs.length === 1 ? '' : 's'}`, allowed: outputs })
          continue
        }
        const wanted = found.spec[0]
        const slotType = outputs[slot] ?? '*'
        const got = typeof slotType === 'string' ? slotType : 'COMBO' // a list output is a combo's values
        if (typeof wanted === 'string' && wanted !== 'COMBO') {
          const a = typesOf(wanted)
          const b = typesOf(got)
          if (!a.includes('*') && !b.includes('*') && !a.some(t => b.includes(t)))
            problems.push({ ...at, input, value, kind: 'link-type-mismatch', message: `needs ${wanted} but output ${slot} of node ${source} (${from.class_type}) gives ${got}`, allowed: a })
        }
        continue
      }
      const problem = literalProblem(found.spec, value)
      if (problem)
        problems.push({ ...at, input, value, ...problem })
    }
  }
  return problems
}

/** Throws one {@link WorkflowCheckError} listing every problem of `workflow` on `server`. */
export function assertWorkflowFits(server: string, workflow: ComfyWorkflow, objectInfo: ObjectInfo, options?: ValidateWorkflowOptions): void {
  const problems = validateWorkflow(workflow, objectInfo, options)
  if (problems.length > 0)
    throw new WorkflowCheckError(server, problems)
}

/** What a server lacks to run a workflow: node types and combo values (models, samplers). Empty when it can. */
export function canRun(workflow: ComfyWorkflow, objectInfo: ObjectInfo, options?: ValidateWorkflowOptions): string[] {
  const reasons = new Set<string>()
  for (const p of validateWorkflow(workflow, objectInfo, options)) {
    if (p.kind === 'unknown-node-type')
      reasons.add(`node type ${p.classType}`)
    else if (p.kind === 'value-not-in-options')
      reasons.add(`${p.input} ${JSON.stringify(p.value)} (node ${p.nodeId})`)
  }
  return [...reasons]
}

/**
 * The servers of `candidates` that can run `workflow`, given each one's `/object_info`. Throws
 * {@link NoCapableServerError} naming what each lacks when none can.
 */
export function capableServers(workflow: ComfyWorkflow, objectInfos: ReadonlyMap<string, ObjectInfo>, options?: ValidateWorkflowOptions & { lockedServer?: string }): string[] {
  const lacks: Record<string, string[]> = {}
  const capable: string[] = []
  for (const [server, info] of objectInfos) {
    const reasons = canRun(workflow, info, options)
    if (reasons.length === 0)
      capable.push(server)
    else
      lacks[server] = reasons
  }
  if (capable.length === 0)
    throw new NoCapableServerError(lacks, options?.lockedServer)
  return capable
}
