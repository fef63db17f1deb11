import type { ObjectInfoInputOptions, ObjectInfoInputSpec, ObjectInfoNode } from './object-info'
import type { UiNode } from './types'
import { UiWorkflowError } from './error'
import { AUTOGROW, autogrowSlots, DYNAMICCOMBO, dynamicComboOptions } from '../dynamic-inputs'
import { isRecord } from './graph'

/** Input types the frontend draws as a widget with a value in `widgets_values`; a list type is a combo. */
const WIDGET_TYPES: ReadonlySet<string> = /* @__PURE__ */ new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO'])


/** One widget of a node class and how many values it takes in `widgets_values` (2 with a control or upload value). */
export interface WidgetSlot {
  name: string
  /** What the value after the widget's own is, if it takes two. */
  extra?: 'control' | 'upload'
  /** The value the frontend gives the widget when a saved workflow has no value for it (an input added later). */
  fallback?: { value: unknown }
  /**
   * A V3 DYNAMICCOMBO: the widgets of each option, by key. The frontend puts the chosen option's widgets
   * (`"<input>.<sub>"`) right after the combo's own, so their values follow its value in `widgets_values`.
   */
  options?: ReadonlyMap<unknown, readonly WidgetSlot[]>
}

function defaultValue(type: unknown, options: ObjectInfoInputOptions): { value: unknown } | undefined {
  if (Object.hasOwn(options, 'default'))
    return { value: options.default }
  const choices = Array.isArray(type) ? type : type === 'COMBO' ? options.options : undefined
  return choices && choices.length > 0 ? { value: choices[0] } : undefined
}

interface Where {
  nodeId: string
  nodeType: string
}

function specsInOrder(def: ObjectInfoNode, where: Where): [string, ObjectInfoInputSpec][] {
  if (!isRecord(def) || !isRecord(def.input))
    throw new UiWorkflowError('malformed', 'its /object_info entry has no "input" object', { ...where, fix: 'Check that /object_info came from a ComfyUI server.' })
  const out: [string, ObjectInfoInputSpec][] = []
  for (const group of ['required', 'optional'] as const) {
    const specs = def.input[group] ?? {}
    const names = def.input_order?.[group] ?? Object.keys(specs)
    for (const name of names) {
      const spec = specs[name]
      if (!Array.isArray(spec))
        throw new UiWorkflowError('malformed', `its /object_info entry lists input "${name}" without a spec`, { ...where, fix: 'Check that /object_info came from a ComfyUI server.' })
      out.push([name, spec])
    }
  }
  return out
}

function isWidgetType(type: unknown): boolean {
  return Array.isArray(type) || (typeof type === 'string' && WIDGET_TYPES.has(type))
}

/** The widget of one input (`undefined`: a socket only), named `name` (with the path of a DYNAMICCOMBO it is under). */
function slotOf(name: string, type: unknown, rawOptions: unknown, where: Where): WidgetSlot | undefined {
  const options: ObjectInfoInputOptions = isRecord(rawOptions) ? rawOptions : {}
  if (type === DYNAMICCOMBO) {
    const choices = dynamicComboOptions(options)
    const byKey = new Map(choices.map(({ key, inputs }) => [key, [
      ...Object.entries(inputs.required ?? {}),
      ...Object.entries(inputs.optional ?? {}),
    ].flatMap(([sub, spec]) => {
      const slot = Array.isArray(spec) ? slotOf(`${name}.${sub}`, spec[0], spec[1], where) : undefined
      return slot ? [slot] : []
    })] as const))
    const [first] = choices
    const fallback = Object.hasOwn(options, 'default') ? { value: options.default } : first ? { value: first.key } : undefined
    return { name, options: byKey, ...(fallback && { fallback }) }
  }
  if (type === AUTOGROW) {
    // The grown inputs are sockets ("<input>.<name>"), linked by name; a template of widgets is not mapped.
    const { spec } = autogrowSlots(options)
    if (spec && isWidgetType(spec[0]))
      throw new UiWorkflowError('unsupported', `input "${name}" grows ${String(spec[0])} widgets (COMFY_AUTOGROW_V3), whose saved values are not mapped`, where)
    return undefined
  }
  if (!isWidgetType(type))
    return undefined
  if (options.forceInput === true)
    throw new UiWorkflowError('unsupported', `input "${name}" is a forceInput ${String(type)}, and frontends differ on whether it takes a widget value`, where)
  if (options.audio_upload === true || options.file_upload === true)
    throw new UiWorkflowError('unsupported', `input "${name}" has an audio or 3D-file upload widget, whose saved values are not mapped`, where)
  const upload = options.image_upload === true || options.video_upload === true
  const control = options.control_after_generate !== undefined && options.control_after_generate !== false
  const fallback = defaultValue(type, options)
  const extra = control ? 'control' : upload ? 'upload' : undefined
  return { name, ...(extra && { extra }), ...(fallback && { fallback }) }
}

/**
 * The widgets of a node class in `widgets_values` order: required then optional inputs, in `input_order`. A
 * DYNAMICCOMBO's slot carries its options' widgets, which follow it once its value is known.
 */
export function widgetSlots(def: ObjectInfoNode, where: Where): WidgetSlot[] {
  return specsInOrder(def, where).flatMap(([name, [type, options]]) => {
    const slot = slotOf(name, type, options, where)
    return slot ? [slot] : []
  })
}

/**
 * A widget value as the API format carries it: a copy (the prompt shares nothing with the workflow), and an array
 * wrapped as `{ __value__ }` so that the server does not read it as a link, as the frontend does.
 */
export function apiValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null)
    return value
  const copy: unknown = structuredClone(value)
  return Array.isArray(copy) ? { __value__: copy } : copy
}

/**
 * A node's widget values keyed by input name. Widgets converted to inputs keep their slot (their value is later
 * replaced by the link); the control value after a seed and the upload button's value are skipped.
 */
export function widgetInputs(node: UiNode, def: ObjectInfoNode, nodeId: string): Record<string, unknown> {
  const where = { nodeId, nodeType: node.type }
  const slots = widgetSlots(def, where)
  const saved = node.widgets_values ?? []
  const inputs: Record<string, unknown> = {}
  if (!Array.isArray(saved)) {
    // Some custom nodes save an object keyed by widget name.
    const byName = saved as Readonly<Record<string, unknown>>
    const queue = [...slots]
    for (let slot = queue.shift(); slot; slot = queue.shift()) {
      if (!(slot.name in byName))
        throw new UiWorkflowError('widget-mismatch', `widgets_values has no value for "${slot.name}"`, where)
      inputs[slot.name] = apiValue(byName[slot.name])
      queue.unshift(...slot.options?.get(byName[slot.name]) ?? [])
    }
    return inputs
  }
  const queue = [...slots]
  const seen: WidgetSlot[] = []
  let i = 0
  for (let slot = queue.shift(); slot; slot = queue.shift()) {
    seen.push(slot)
    let value: unknown
    if (i < saved.length) {
      value = saved[i]
      if (slot.extra === 'control' && i + 1 < saved.length && typeof saved[i + 1] !== 'string')
        throw new UiWorkflowError('widget-mismatch', `the value after "${slot.name}" is ${JSON.stringify(saved[i + 1])}, not a control_after_generate mode such as "fixed"`, where)
    }
    else if (slot.fallback) {
      // Saved before the server added this input: the frontend shows (and sends) its default.
      value = slot.fallback.value
    }
    else {
      throw countMismatch(saved.length, seen.concat(queue), where)
    }
    inputs[slot.name] = apiValue(value)
    i += slot.extra ? 2 : 1
    // The chosen option's widgets come next, as the frontend inserts them after the combo.
    queue.unshift(...slot.options?.get(value) ?? [])
  }
  if (saved.length > i)
    throw countMismatch(saved.length, seen, where)
  return inputs
}

function countMismatch(count: number, slots: readonly WidgetSlot[], where: Where): UiWorkflowError {
  const expected = slots.reduce((n, slot) => n + (slot.extra ? 2 : 1), 0)
  const names = slots.map(s => s.extra ? `${s.name} (+${s.extra})` : s.name).join(', ') || 'none'
  return new UiWorkflowError('widget-mismatch', `widgets_values holds ${count} value(s), but /object_info declares ${expected} for its widgets [${names}]`, {
    ...where,
    fix: 'The node\'s definition on this server differs from the one the workflow was saved with; open and save the workflow in a ComfyUI of this version, or use "Export (API)".',
  })
}
