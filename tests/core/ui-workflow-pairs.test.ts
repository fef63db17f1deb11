import type { ObjectInfo, UiWorkflow } from '../../src/core/ui-workflow'
import type { ComfyWorkflow } from '../../src/core/validate-input'
import { describe, expect, it } from 'vitest'
import { fromUiWorkflow, isUiWorkflow } from '../../src/core/ui-workflow'
import { conversionError, CUSTOM_NODES, loadPair, OBJECT_INFO, PAIR_NAMES } from '../helpers/ui-workflow-fixtures'

/** Pairs with custom nodes: with the real object_info alone they must fail naming exactly these classes. */
const MISSING_TYPES: Record<string, string[]> = {
  'was-bloom-reroute': ['Image Bloom Filter'],
  'wan-vace-bypass-groups': ['RIFE VFI', 'VHS_SelectImages', 'VHS_VideoCombine'],
}

/**
 * Where an export differs from what a frontend would send to THIS server (0.33.0), and why. Everything else must match.
 * - Old frontends serialized the upload button, and 1.29 a video preview widget; the server ignores those inputs.
 * - Inputs the server added after the pair was saved: the frontend fills in their default from /object_info.
 * - Display names the server renamed since: an untitled node's `_meta.title` is the display name of the server's
 *   object_info, so it follows the rename.
 */
const FRONTEND_ONLY_INPUTS: Record<string, [nodeId: string, input: string][]> = {
  'edit-model-groupnode': [['13', 'upload']],
  'img2img-loadimage': [['10', 'choose file to upload']],
  'wan-vace-bypass-groups': [['71', 'video-preview']],
}
const ADDED_SINCE: Record<string, [nodeId: string, input: string, value: unknown][]> = {
  'edit-model-groupnode': [['37:7', 'style', 'regular']], // a combo without a default: its first option
  'sdxlturbo-mute': [['22', 'denoise', 1]],
  'wan-vace-bypass-groups': [['68', 'bit_depth', 8]],
}
const RENAMED_DISPLAY_NAMES: Record<string, string[]> = {
  'flux-kontext-primitive-bypass': ['11', '22', '42'],
  'wan-vace-bypass-groups': ['58', '129', '165'],
}

/** The API export as this converter should produce it on 0.33.0: the listed differences applied, nothing else. */
function expectedPrompt(name: string, api: ComfyWorkflow, ui: UiWorkflow, objectInfo: ObjectInfo): ComfyWorkflow {
  const expected: ComfyWorkflow = {}
  for (const [id, node] of Object.entries(api)) {
    // Only inputs, class_type and _meta are compared (PNG prompts also carry the server's `is_changed`).
    expected[id] = { inputs: { ...node.inputs }, class_type: node.class_type, ...(node._meta && { _meta: { ...node._meta } }) }
  }
  for (const [id, input] of FRONTEND_ONLY_INPUTS[name] ?? []) {
    expect(expected[id]!.inputs).toHaveProperty([input])
    Reflect.deleteProperty(expected[id]!.inputs, input)
  }
  for (const [id, input, value] of ADDED_SINCE[name] ?? []) {
    expect(expected[id]!.inputs).not.toHaveProperty([input])
    expected[id]!.inputs[input] = value
  }
  for (const id of RENAMED_DISPLAY_NAMES[name] ?? []) {
    const uiNode = ui.nodes.find(node => String(node.id) === id)!
    const displayName = objectInfo[uiNode.type]!.display_name
    expect(uiNode.title).toBeUndefined()
    expect(expected[id]!._meta!.title).not.toBe(displayName)
    expected[id]!._meta = { title: displayName! }
  }
  return expected
}

/** Older frontends write no `_meta`; then only inputs and class types are compared. */
function comparable(prompt: ComfyWorkflow, keepMeta: boolean): ComfyWorkflow {
  return Object.fromEntries(Object.entries(prompt).map(([id, node]) => [id, keepMeta ? node : { inputs: node.inputs, class_type: node.class_type }]))
}

describe('fromUiWorkflow on real UI/API pairs', () => {
  it('has all twelve pairs of the reference set', () => {
    expect(PAIR_NAMES).toHaveLength(12)
  })

  const convertible = PAIR_NAMES.filter(name => !(name in MISSING_TYPES))

  it.each(convertible)('converts %s to its API export', (name) => {
    const { ui, api } = loadPair(name)
    const keepMeta = Object.values(api).some(node => node._meta !== undefined)
    expect(comparable(fromUiWorkflow(ui, OBJECT_INFO), keepMeta)).toEqual(comparable(expectedPrompt(name, api, ui, OBJECT_INFO), keepMeta))
  })

  it.each(Object.entries(MISSING_TYPES))('fails %s naming exactly the node types object_info lacks', (name, types) => {
    const { ui } = loadPair(name)
    const error = conversionError(() => fromUiWorkflow(ui, OBJECT_INFO))
    expect(error.reason).toBe('missing-node-type')
    expect([...error.missingNodeTypes].sort()).toEqual(types)
    expect(types).toContain(error.nodeType)
    for (const type of types)
      expect(error.message).toContain(`"${type}"`)
  })

  it.each(Object.keys(MISSING_TYPES))('converts %s to its API export once the pair\'s custom nodes are defined', (name) => {
    const { ui, api } = loadPair(name)
    const objectInfo = { ...OBJECT_INFO, ...CUSTOM_NODES }
    expect(fromUiWorkflow(ui, objectInfo)).toEqual(expectedPrompt(name, api, ui, objectInfo))
    expect(Object.values(api).every(node => node._meta !== undefined)).toBe(true)
  })

  it('expands the legacy group node of edit-model-groupnode into the inner nodes "37:<index>" of its export', () => {
    const { ui, api } = loadPair('edit-model-groupnode')
    const prompt = fromUiWorkflow(ui, OBJECT_INFO)
    expect(Object.keys(prompt).filter(id => id.startsWith('37:')).sort()).toEqual(['37:0', '37:1', '37:3', '37:6', '37:7', '37:8'])
    expect(Object.keys(prompt).sort()).toEqual(Object.keys(api).sort())
    // The group's own values (seed 11652752290163), not the stale copy in its definition (156680208700303).
    expect(prompt['37:1']!.inputs).toEqual({ noise_seed: 11652752290163 })
  })

  it.each(PAIR_NAMES)('detects %s as UI format and its API export as not', (name) => {
    const { ui, api } = loadPair(name)
    expect(isUiWorkflow(ui)).toBe(true)
    expect(isUiWorkflow(api)).toBe(false)
  })

  it.each(PAIR_NAMES)('leaves %s and the object_info it is given unchanged', (name) => {
    const { ui, api } = loadPair(name)
    const objectInfo = { ...OBJECT_INFO, ...CUSTOM_NODES }
    const before = structuredClone(ui)
    const infoBefore = JSON.stringify(objectInfo)
    // Frozen, so any write the converter attempted would throw (ES modules run in strict mode).
    expect(Object.keys(fromUiWorkflow(deepFreeze(ui), objectInfo)).sort()).toEqual(Object.keys(api).sort())
    expect(ui).toEqual(before)
    expect(JSON.stringify(objectInfo)).toBe(infoBefore)
  })
})

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value))
      deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
