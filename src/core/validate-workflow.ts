import type { ObjectInfo, ObjectInfoInputSpec } from './object-info'
import { dependenciesOf, isLink } from './workflow-link'
import { isV3Type, expandInputs } from './dynamic-inputs'
import { comboOptions } from './object-info'
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

/** The flags of a combo whose options are files the UI uploads (V1 nodes and V3 `Combo.Input(upload=…)`). */
const UPLOAD_FLAGS = ['image_upload', 'audio_upload', 'video_upload', 'file_upload'] as const

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
    // Upload and remote combos list files the server fills in lazily (a file uploaded after /object_info was read is
    // missing from it); the server checks those itself.
    if (UPLOAD_FLAGS.some(flag => extra[flag] === true) || extra.remote !== undefined || extra.multiselect === true || Array.isArray(value))
      return undefined
    if (!options.includes(value))
      return { kind: 'value-not-in-options', message: `${JSON.stringify(value)} is not an option (${listed(options)})`, allowed: options }
    return undefined
  }
  const type = spec[0] as string
  const types = typesOf(type)
  // A DYNAMICCOMBO's chosen key is not checked by ComfyUI (an unknown key only adds no sub-inputs); MATCHTYPE and
  // AUTOGROW values are typed when the graph runs.
  if (types.includes('*') || types.length > 1 || isV3Type(type))
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

/** One node's problems (empty when it fits); `undefined` for a node type the server lacks, reported on its own. */
function nodeProblems(nodeId: string, node: ComfyWorkflow[string], workflow: ComfyWorkflow, objectInfo: ObjectInfo, skip: ReadonlySet<string>): WorkflowProblem[] {
  const classType = node.class_type
  const title = node._meta?.title
  const at = { nodeId, classType, ...(title ? { title } : {}) }
  const info = objectInfo[classType]
  if (!info)
    return [{ ...at, kind: 'unknown-node-type', message: `the server has no node type "${classType}" (a custom node that is not installed there?)` }]
  const problems: WorkflowProblem[] = []
  const inputs = node.inputs ?? {}
  const specs = expandInputs(info, inputs)
  for (const [input, { required }] of specs) {
    if (required && !(input in inputs) && !skip.has(`${nodeId}.${input}`))
      problems.push({ ...at, input, kind: 'missing-input', message: 'this required input has no value or link' })
  }
  for (const [input, value] of Object.entries(inputs)) {
    const found = specs.get(input)
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
      // V3 types (a MATCHTYPE input or output) are typed only when the graph runs: ComfyUI does not check them here.
      if (typeof wanted === 'string' && wanted !== 'COMBO' && !isV3Type(wanted) && !isV3Type(got)) {
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
  return problems
}

/** What the server will do with a workflow, judged from its `/object_info` the way ComfyUI's `validate_prompt` does. */
export interface WorkflowVerdict {
  /** The output nodes (`output_node: true`) of the workflow: what the server runs the prompt for. */
  outputs: string[]
  /** The outputs that pass with every node they depend on: the server runs these and ignores the others. */
  runnable: string[]
  /**
   * Node types the server lacks (anywhere: the server refuses the whole prompt for one), and every problem of the nodes
   * the outputs depend on. A node that feeds no output is not checked, as ComfyUI does not check it.
   */
  problems: WorkflowProblem[]
  /** The server refuses the prompt as a whole (unknown node type, no output node, or no output that passes). */
  refused: false | 'missing_node_type' | 'prompt_no_outputs' | 'prompt_outputs_failed_validation'
}

/**
 * Judges a workflow as ComfyUI's `validate_prompt` would: node types first, then only the output nodes and what they
 * depend on. With two outputs and one broken, the server runs the good one: `refused` is then `false`, and `problems`
 * lists what breaks the other. Uses only the `/object_info` entries of the classes the workflow names.
 */
export function judgeWorkflow(workflow: ComfyWorkflow, objectInfo: ObjectInfo, options: ValidateWorkflowOptions = {}): WorkflowVerdict {
  const skip = new Set(options.skip ?? [])
  const entries = Object.entries(workflow)
  const ids = entries.map(([id]) => id)
  const unknown = entries.filter(([, node]) => !objectInfo[node.class_type]).map(([id]) => id)
  // Definitions without `output_node` (hand-made, or a very old server): nothing is known of outputs, so every node counts.
  const knowsOutputs = entries.some(([, node]) => typeof objectInfo[node.class_type]?.output_node === 'boolean')
  const outputs = knowsOutputs ? entries.filter(([, node]) => objectInfo[node.class_type]?.output_node === true).map(([id]) => id) : ids
  const cache = new Map<string, WorkflowProblem[]>()
  const problemsOf = (id: string): WorkflowProblem[] => {
    let found = cache.get(id)
    const node = workflow[id]
    if (!found && node)
      cache.set(id, found = nodeProblems(id, node, workflow, objectInfo, skip))
    return found ?? []
  }
  const runnable: string[] = []
  const checked = new Set<string>()
  for (const output of outputs) {
    const needed = dependenciesOf(workflow, [output])
    let ok = true
    for (const id of needed) {
      checked.add(id)
      if (problemsOf(id).length > 0)
        ok = false
    }
    if (ok)
      runnable.push(output)
  }
  const problems = ids.flatMap(id => (checked.has(id) || unknown.includes(id) ? problemsOf(id) : []))
  let refused: WorkflowVerdict['refused'] = false
  if (unknown.length > 0)
    refused = 'missing_node_type'
  else if (outputs.length === 0)
    refused = 'prompt_no_outputs'
  else if (knowsOutputs ? runnable.length === 0 : problems.length > 0)
    refused = 'prompt_outputs_failed_validation'
  return { outputs, runnable: knowsOutputs || problems.length === 0 ? runnable : [], problems, refused }
}

/**
 * Every problem the server's `/object_info` lets us see before `POST /prompt` in the nodes the workflow's outputs
 * depend on: unknown node types (anywhere), missing required inputs, combo values the server does not offer (models,
 * samplers), wrong primitive types, values outside min/max, links to missing nodes or output slots and links between
 * types that cannot connect. Empty when the workflow fits. See {@link judgeWorkflow} for which outputs would run.
 */
export function validateWorkflow(workflow: ComfyWorkflow, objectInfo: ObjectInfo, options: ValidateWorkflowOptions = {}): WorkflowProblem[] {
  return judgeWorkflow(workflow, objectInfo, options).problems
}

/**
 * Throws one {@link WorkflowCheckError} when the server would refuse `workflow` as a whole: a node type it lacks, no
 * output node, or no output whose nodes all pass. A workflow with one good output passes (the server runs that one).
 */
export function assertWorkflowFits(server: string, workflow: ComfyWorkflow, objectInfo: ObjectInfo, options?: ValidateWorkflowOptions): void {
  const verdict = judgeWorkflow(workflow, objectInfo, options)
  if (verdict.refused)
    throw new WorkflowCheckError(server, verdict.problems, verdict.refused)
}

/** Options of {@link canRun}. */
export interface CanRunOptions extends ValidateWorkflowOptions {
  /**
   * Count what any output lacks, even when another output could run: for preferring the servers that run all of them.
   * @default false
   */
  everyOutput?: boolean
}

/**
 * What a server lacks to run a workflow: node types (anywhere in it) and combo values (models, samplers) of the nodes
 * its outputs depend on. Empty when it can: when at least one output has all it needs, as ComfyUI then runs that
 * output (unless `everyOutput`). A node that feeds no output lacks nothing.
 */
export function canRun(workflow: ComfyWorkflow, objectInfo: ObjectInfo, options: CanRunOptions = {}): string[] {
  const verdict = judgeWorkflow(workflow, objectInfo, options)
  const reasons = new Set<string>()
  for (const p of verdict.problems) {
    if (p.kind === 'unknown-node-type')
      reasons.add(`node type ${p.classType}`)
    else if (p.kind === 'value-not-in-options')
      reasons.add(`${p.input} ${JSON.stringify(p.value)} (node ${p.nodeId})`)
  }
  if (!options.everyOutput && verdict.refused !== 'missing_node_type' && verdict.runnable.length > 0)
    return []
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
