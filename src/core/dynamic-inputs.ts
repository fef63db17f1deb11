import type { ObjectInfoInputOptions, ObjectInfoInputSpec, ObjectInfoNode } from './object-info'

/** ComfyUI's V3 input types whose sub-inputs depend on the values sent (`comfy_api/latest/_io.py`). */
export const MATCHTYPE = 'COMFY_MATCHTYPE_V3'
export const DYNAMICCOMBO = 'COMFY_DYNAMICCOMBO_V3'
export const AUTOGROW = 'COMFY_AUTOGROW_V3'

/** One input of a node as the server validates it: its spec and whether a value is required. */
export interface ExpandedInput {
  spec: ObjectInfoInputSpec
  required: boolean
}

type Group = Readonly<Record<string, ObjectInfoInputSpec>>

interface InputGroups {
  required?: Group
  optional?: Group
}

/** A V3 input type: a `*_V3` type name. Links from or to it are typed only when the graph runs. */
export function isV3Type(type: unknown): boolean {
  return typeof type === 'string' && type.startsWith('COMFY_') && type.endsWith('_V3')
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
}

/** The option objects of a DYNAMICCOMBO: `{ key, inputs: { required, optional } }`. */
export function dynamicComboOptions(options: ObjectInfoInputOptions | undefined): { key: unknown, inputs: InputGroups }[] {
  const list = Array.isArray(options?.options) ? options.options : []
  return list.flatMap((o) => {
    const option = record(o)
    return option ? [{ key: option.key, inputs: (record(option.inputs) ?? {}) as InputGroups }] : []
  })
}

/** The names an AUTOGROW input grows into (`prefix0`, `prefix1`, … or its `names`), its minimum count and the template. */
export function autogrowSlots(options: ObjectInfoInputOptions | undefined): { names: string[], min: number, spec: ObjectInfoInputSpec | undefined, templateRequired: boolean } {
  const template = record(options?.template) ?? {}
  const min = typeof template.min === 'number' ? template.min : 0
  let names: string[] = []
  if (Array.isArray(template.names))
    names = template.names.map(String)
  else if (typeof template.prefix === 'string' && typeof template.max === 'number')
    names = Array.from({ length: template.max }, (_, i) => `${template.prefix as string}${i}`)
  const input = (record(template.input) ?? {}) as InputGroups
  // Like ComfyUI: the first input of the template (required before optional) is the one that grows.
  for (const group of ['required', 'optional'] as const) {
    const first = Object.values(input[group] ?? {})[0]
    if (first)
      return { names, min, spec: first, templateRequired: group === 'required' }
  }
  return { names, min, spec: undefined, templateRequired: false }
}

/**
 * The inputs of a node class as ComfyUI's `get_finalized_class_inputs` expands them for the values of one node:
 * a DYNAMICCOMBO adds the sub-inputs of the chosen option as `"<input>.<sub>"`, an AUTOGROW its slots as
 * `"<input>.<name>"` (the first `min` required), nested ones with their whole path. Other inputs stay as declared.
 */
export function expandInputs(info: ObjectInfoNode, values: Readonly<Record<string, unknown>>): Map<string, ExpandedInput> {
  const out = new Map<string, ExpandedInput>()
  parse(out, values, info.input, '')
  return out
}

function parse(out: Map<string, ExpandedInput>, values: Readonly<Record<string, unknown>>, groups: InputGroups, prefix: string): void {
  for (const group of ['required', 'optional'] as const) {
    for (const [id, spec] of Object.entries(groups[group] ?? {})) {
      if (!Array.isArray(spec))
        continue
      const name = prefix + id
      const required = group === 'required'
      if (spec[0] === DYNAMICCOMBO) {
        out.set(name, { spec, required })
        const chosen = dynamicComboOptions(spec[1]).find(o => o.key === values[name])
        if (chosen)
          parse(out, values, chosen.inputs, `${name}.`)
      }
      else if (spec[0] === AUTOGROW) {
        const { names, min, spec: slot, templateRequired } = autogrowSlots(spec[1])
        if (slot)
          names.forEach((n, i) => out.set(`${name}.${n}`, { spec: slot, required: i < min && templateRequired }))
      }
      else {
        out.set(name, { spec, required })
      }
    }
  }
}
