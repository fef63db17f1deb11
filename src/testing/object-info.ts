import type { FileStore } from './files'
import type { InputSpec, NodeDef } from './nodes'
import type { SimulatorVersion } from './types'
import { isInstalled } from './installation'
import { NODE_DEFS } from './nodes'
import { REAL_NODE_INFO_0_33 } from './object-info-data'
import { pyFloat } from './py-json'

const FLOAT_OPTIONS = /* @__PURE__ */ new Set(['default', 'min', 'max', 'step'])

/** Options of FLOAT inputs are Python floats (`2.0`, not `2`). */
export function specJson(spec: InputSpec): unknown[] {
  const [type, options] = spec
  if (options === undefined)
    return [type]
  if (type !== 'FLOAT')
    return [type, options]
  return [type, Object.fromEntries(Object.entries(options).map(([k, v]) => [k, FLOAT_OPTIONS.has(k) && typeof v === 'number' ? pyFloat(v) : v]))]
}

function group(specs: Record<string, InputSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, specJson(v)]))
}

/** The real 0.33.0 entry with this simulator's live combo lists (input files, installed models) filled in. */
function realNodeInfo(def: NodeDef, files: FileStore): Record<string, unknown> | undefined {
  const info = REAL_NODE_INFO_0_33[def.name]?.()
  if (!info)
    return undefined
  const inputs = def.inputs(files)
  const groups = info.input as Record<string, Record<string, unknown[]> | undefined>
  for (const [group, specs] of [['required', inputs.required], ['optional', inputs.optional ?? {}]] as const) {
    for (const [name, [type]] of Object.entries(specs)) {
      const real = groups[group]?.[name]
      if (!Array.isArray(type) || !real)
        continue
      if (real[0] === 'COMBO')
        real[1] = { ...(real[1] as Record<string, unknown>), options: [...type] }
      else
        real[0] = [...type]
    }
  }
  return info
}

/** One class's entry of `GET /object_info`, shaped like the recorded one of `version`. */
export function nodeInfo(def: NodeDef, version: SimulatorVersion, files: FileStore): Record<string, unknown> {
  const real = version === '0.33.0' ? realNodeInfo(def, files) : undefined
  if (real)
    return real
  const inputs = def.inputs(files)
  const input: Record<string, unknown> = { required: group(inputs.required) }
  const order: Record<string, string[]> = { required: Object.keys(inputs.required) }
  if (inputs.optional) {
    input.optional = group(inputs.optional)
    order.optional = Object.keys(inputs.optional)
  }
  if (inputs.hidden) {
    input.hidden = inputs.hidden
    order.hidden = Object.keys(inputs.hidden)
  }
  const output = def.returnTypes(version)
  const info: Record<string, unknown> = { input, input_order: order }
  if (version !== '0.3.44')
    info.is_input_list = false
  Object.assign(info, {
    output,
    output_is_list: output.map(() => false),
    output_name: def.returnNames(version),
    name: def.name,
    display_name: def.displayName(version),
    description: def.description,
    python_module: def.pythonModule,
    category: def.category,
    output_node: def.outputNode,
  })
  if (version !== '0.3.44') {
    info.has_intermediate_output = false
    info.search_aliases = def.searchAliases ?? []
    if (def.essentialsCategory)
      info.essentials_category = def.essentialsCategory
  }
  return info
}

/** `GET /object_info` (all classes) or `GET /object_info/{class}` (`{}` for an unknown class). */
export function objectInfo(version: SimulatorVersion, files: FileStore, nodeClass?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const def of NODE_DEFS.values()) {
    if ((nodeClass === undefined || def.name === nodeClass) && isInstalled(files.installation, def.name))
      out[def.name] = nodeInfo(def, version, files)
  }
  return out
}
