import type { ObjectInfoNode } from '../core/object-info'
import type { FileStore } from './files'
import type { InputSpec, NodeDef } from './nodes'
import type { SimulatorVersion } from './types'
import { expandInputs, isV3Type, MATCHTYPE } from '../core/dynamic-inputs'
import { simFrame } from './node-errors'
import { isInstalled } from './installation'
import { NODE_DEFS } from './nodes'
import { specJson } from './object-info'
import { pyTypeName, toBool, toFloat, toInt, ValidationException } from './py-convert'
import { numberOf, PyFloat, pyFloat, pyRepr } from './py-json'

/** One entry of an `error` or of a node's `errors` in a 400 answer of `POST /prompt`. */
export interface PromptError {
  type: string
  message: string
  details: string
  extra_info: Record<string, unknown>
}

export interface NodeErrorEntry {
  errors: PromptError[]
  dependent_outputs: string[]
  class_type: unknown
}

/** A workflow in API format: node id => `{ class_type, inputs }`. */
export type Prompt = Record<string, { class_type?: unknown, inputs?: Record<string, unknown>, _meta?: { title?: unknown } }>

export type ValidationResult =
  | { ok: true, outputs: string[], nodeErrors: Record<string, NodeErrorEntry>, prompt: Prompt }
  | { ok: false, error: PromptError, nodeErrors: Record<string, NodeErrorEntry> }

/** ComfyUI's `validate_node_input`. */
function typesMatch(received: unknown, expected: unknown): boolean {
  if (received === expected)
    return true
  if (typeof received !== 'string' || typeof expected !== 'string')
    return false
  // A V3 MATCHTYPE is typed when the graph runs: 0.33.0 accepted a STRING linked into one (see PROTOCOL.md).
  if (received === '*' || expected === '*' || isV3Type(received) || isV3Type(expected))
    return true
  const a = new Set(received.split(',').map(t => t.trim()))
  return expected.split(',').some(t => a.has(t.trim()))
}

/** Upload combos list files; their own VALIDATE_INPUTS checks the value (LoadImage here). */
const UPLOAD_FLAGS = ['image_upload', 'audio_upload', 'video_upload', 'file_upload']

/** A min or max of an input's options (the real entries carry Python floats). */
function limit(value: unknown): number | undefined {
  return typeof value === 'number' || value instanceof PyFloat ? numberOf(value) : undefined
}

function fmt(value: number, float: boolean): string {
  return pyRepr(float ? pyFloat(value) : value)
}

interface Checked {
  valid: boolean
  errors: PromptError[]
}

class Validator {
  readonly validated = new Map<string, Checked>()
  readonly #inProgress = new Set<string>()

  constructor(readonly prompt: Prompt, readonly converted: Prompt, readonly version: SimulatorVersion, readonly files: FileStore) {}

  validate(id: string): Checked {
    const known = this.validated.get(id)
    if (known)
      return known
    // A cycle: ComfyUI recurses until Python's recursion limit; the executor reports the cycle instead.
    if (this.#inProgress.has(id))
      return { valid: true, errors: [] }
    this.#inProgress.add(id)
    try {
      const result = this.#check(id)
      this.validated.set(id, result)
      return result
    }
    finally {
      this.#inProgress.delete(id)
    }
  }

  #check(id: string): Checked {
    const node = this.prompt[id]
    const inputs = node?.inputs
    if (!node || typeof inputs !== 'object' || inputs === null || Array.isArray(inputs))
      throw new ValidationException('KeyError', '\'inputs\'')
    const def = NODE_DEFS.get(String(node.class_type)) as NodeDef
    const specs = def.inputs(this.files)
    // V3 dynamic inputs grow into the names the prompt carries ("resize_type.width", "images.image0"), as
    // get_finalized_class_inputs does.
    const expanded = expandInputs({ input: { required: specs.required, optional: specs.optional } } as ObjectInfoNode, inputs)
    const all: [string, InputSpec, boolean][] = [...expanded].map(([k, v]) => [k, v.spec as InputSpec, v.required])
    // A node with dynamic inputs names a missing one by its last part ("multiplier", "image0"), as ComfyUI does.
    const dynamic = [...Object.values(specs.required), ...Object.values(specs.optional ?? {})].some(([type]) => isV3Type(type) && type !== MATCHTYPE)
    const customInputs = def.validated ?? []
    const errors: PromptError[] = []
    let valid = true
    const out = this.converted[id]?.inputs ?? {}
    for (const [name, spec, required] of all) {
      const [type, options = {}] = spec
      const config = specJson(spec)
      if (!(name in inputs)) {
        if (required)
          errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: dynamic ? name.split('.').pop() ?? name : name, extra_info: { input_name: name } })
        continue
      }
      let value = inputs[name]
      if (Array.isArray(value)) {
        if (value.length !== 2) {
          errors.push({ type: 'bad_linked_input', message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]', details: name, extra_info: { input_name: name, input_config: config, received_value: value } })
          continue
        }
        const [from, slot] = value as [unknown, unknown]
        const source = typeof from === 'string' ? this.prompt[from] : undefined
        if (!source)
          throw new ValidationException('KeyError', pyRepr(from, false))
        const returns = NODE_DEFS.get(String(source.class_type))?.returnTypes(this.version) ?? []
        if (typeof slot !== 'number' || !Number.isInteger(slot))
          throw new ValidationException('TypeError', `tuple indices must be integers or slices, not ${pyTypeName(slot)}`)
        const received = returns[slot < 0 ? returns.length + slot : slot]
        if (received === undefined)
          throw new ValidationException('IndexError', 'tuple index out of range')
        if (!typesMatch(received, type)) {
          errors.push({
            type: 'return_type_mismatch',
            message: 'Return type mismatch between linked nodes',
            details: `${name}, received_type(${received}) mismatch input_type(${typeof type === 'string' ? type : pyRepr(type)})`,
            extra_info: { input_name: name, input_config: config, received_type: received, linked_node: value },
          })
          continue
        }
        try {
          if (!this.validate(from as string).valid) {
            valid = false
            continue
          }
        }
        catch (e) {
          const ex = e instanceof ValidationException ? e : new ValidationException('Exception', String(e))
          valid = false
          this.validated.set(from as string, {
            valid: false,
            errors: [{
              type: 'exception_during_inner_validation',
              message: 'Exception when validating inner node',
              details: ex.message,
              extra_info: { input_name: name, input_config: config, exception_message: ex.message, exception_type: ex.pyType, traceback: [simFrame('validate_inputs', 'r = await validate_inputs(prompt_id, prompt, o_id, validated)')], linked_node: value },
            }],
          })
          continue
        }
        continue
      }
      try {
        if (typeof value === 'object' && value !== null && '__value__' in value)
          value = (value as { __value__: unknown }).__value__
        if (type === 'INT')
          value = toInt(value)
        else if (type === 'FLOAT')
          value = pyFloat(toFloat(value))
        else if (type === 'STRING')
          value = typeof value === 'string' ? value : pyRepr(value)
        else if (type === 'BOOLEAN')
          value = toBool(value)
        out[name] = value
      }
      catch (e) {
        const ex = e instanceof ValidationException ? e : new ValidationException('Exception', String(e))
        errors.push({
          type: 'invalid_input_type',
          message: `Failed to convert an input value to a ${typeof type === 'string' ? type : pyRepr(type)} value`,
          details: `${name}, ${pyRepr(value)}, ${ex.message}`,
          extra_info: { input_name: name, input_config: config, received_value: value, exception_message: ex.message },
        })
        continue
      }
      if (customInputs.includes(name))
        continue
      const n = numberOf(value)
      const isFloat = type === 'FLOAT'
      const min = limit(options.min)
      const max = limit(options.max)
      if (min !== undefined && n < min) {
        errors.push({ type: 'value_smaller_than_min', message: `Value ${fmt(n, isFloat)} smaller than min of ${fmt(min, isFloat)}`, details: name, extra_info: { input_name: name, input_config: config, received_value: value } })
        continue
      }
      if (max !== undefined && n > max) {
        errors.push({ type: 'value_bigger_than_max', message: `Value ${fmt(n, isFloat)} bigger than max of ${fmt(max, isFloat)}`, details: name, extra_info: { input_name: name, input_config: config, received_value: value } })
        continue
      }
      const combo = Array.isArray(type) ? type : type === 'COMBO' && Array.isArray(options.options) ? options.options as unknown[] : undefined
      if (combo && !UPLOAD_FLAGS.some(f => options[f] === true) && !combo.includes(value as string)) {
        const long = combo.length > 20
        errors.push({
          type: 'value_not_in_list',
          message: 'Value not in list',
          details: `${name}: '${pyRepr(value)}' not in ${long ? `(list of length ${combo.length})` : pyRepr(combo)}`,
          extra_info: { input_name: name, input_config: long ? null : config, received_value: value },
        })
        continue
      }
    }
    if (def.validateInputs && customInputs.every(n => n in inputs)) {
      const values = Object.fromEntries(customInputs.map(n => [n, out[n] ?? inputs[n]]))
      const ret = def.validateInputs(values, this.files)
      if (ret !== true) {
        for (const name of customInputs)
          errors.push({ type: 'custom_validation_failed', message: 'Custom validation failed for node', details: `${name} - ${ret}`, extra_info: { input_name: name } })
      }
    }
    return { valid: valid && errors.length === 0, errors }
  }
}

function clone(prompt: Prompt): Prompt {
  const out: Prompt = {}
  for (const [id, node] of Object.entries(prompt))
    out[id] = typeof node === 'object' && node !== null ? { ...node, inputs: { ...(node.inputs ?? {}) } } : node
  return out
}

/**
 * ComfyUI's `validate_prompt`: node types, outputs, then every output's inputs recursively.
 * Returns the prompt with converted input values (ints, floats) as ComfyUI stores it.
 */
export function validatePrompt(prompt: Prompt, version: SimulatorVersion, files: FileStore, partialTargets?: unknown): ValidationResult {
  const outputs: string[] = []
  for (const [id, node] of Object.entries(prompt)) {
    const classType = typeof node === 'object' && node !== null ? node.class_type : undefined
    if (classType === undefined || classType === null) {
      const error: PromptError = version === '0.3.44'
        ? { type: 'invalid_prompt', message: 'Cannot execute because a node is missing the class_type property.', details: `Node ID '#${id}'`, extra_info: {} }
        : { type: 'missing_node_type', message: `Node 'ID #${id}' has no class_type. The workflow may be corrupted or a custom node is missing.`, details: `Node ID '#${id}'`, extra_info: { node_id: id, class_type: null, node_title: null } }
      return { ok: false, error, nodeErrors: {} }
    }
    const def = NODE_DEFS.get(String(classType))
    if (!def || !isInstalled(files.installation, String(classType))) {
      const title = node._meta?.title ?? classType
      const error: PromptError = version === '0.3.44'
        ? { type: 'invalid_prompt', message: `Cannot execute because node ${pyRepr(classType)} does not exist.`, details: `Node ID '#${id}'`, extra_info: {} }
        : { type: 'missing_node_type', message: `Node '${pyRepr(title)}' not found. The custom node may not be installed.`, details: `Node ID '#${id}'`, extra_info: { node_id: id, class_type: classType, node_title: title } }
      return { ok: false, error, nodeErrors: {} }
    }
    if (def.outputNode && (!Array.isArray(partialTargets) || partialTargets.includes(id)))
      outputs.push(id)
  }
  if (outputs.length === 0)
    return { ok: false, error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, nodeErrors: {} }

  const converted = clone(prompt)
  const validator = new Validator(prompt, converted, version, files)
  const good: string[] = []
  const failed: [string, PromptError[]][] = []
  const nodeErrors: Record<string, NodeErrorEntry> = {}
  for (const o of outputs) {
    let result: Checked
    try {
      result = validator.validate(o)
    }
    catch (e) {
      const ex = e instanceof ValidationException ? e : new ValidationException('Exception', String(e))
      result = {
        valid: false,
        errors: [{
          type: 'exception_during_validation',
          message: 'Exception when validating node',
          details: ex.message,
          extra_info: { exception_type: ex.pyType, traceback: [simFrame('validate_prompt', 'm = await validate_inputs(prompt_id, prompt, o, validated)'), simFrame('validate_inputs', 'o_class_type = prompt[o_id][\'class_type\']')] },
        }],
      }
      validator.validated.set(o, result)
    }
    if (result.valid) {
      good.push(o)
      continue
    }
    failed.push([o, result.errors])
    for (const [id, checked] of validator.validated) {
      if (checked.valid || checked.errors.length === 0)
        continue
      nodeErrors[id] ??= { errors: checked.errors, dependent_outputs: [], class_type: prompt[id]?.class_type }
      nodeErrors[id].dependent_outputs.push(o)
    }
  }
  if (good.length === 0) {
    const details = failed.flatMap(([, errors]) => errors.map(e => `${e.message}: ${e.details}`)).join('\n')
    return { ok: false, error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details, extra_info: {} }, nodeErrors }
  }
  return { ok: true, outputs: good, nodeErrors, prompt: converted }
}
