import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { assertImage, assertWorkflow } from '../../src/core/validate-input'

function codeOf(fn: () => void): string | undefined {
  try {
    fn()
  }
  catch (error) {
    return isComfyTetherError(error) ? error.code : 'not a ComfyTetherError'
  }
  return undefined
}

describe('assertWorkflow', () => {
  it('accepts an API-format workflow', () => {
    expect(codeOf(() => assertWorkflow({ 1: { class_type: 'EmptyImage', inputs: {} } }))).toBeUndefined()
  })
  it.each([
    ['null', null],
    ['a string', '{"1":{}}'],
    ['an array (UI format nodes list)', [{ class_type: 'X' }]],
    ['an empty object', {}],
    ['a node without class_type', { 1: { inputs: {} } }],
    ['a node that is a number', { 1: 5 }],
    ['inputs that are an array', { 1: { class_type: 'X', inputs: [] } }],
    ['a huge workflow', { 1: { class_type: 'X', inputs: { blob: 'x'.repeat(17 * 1024 * 1024) } } }],
  ])('rejects %s with INVALID_WORKFLOW', (_, workflow) => {
    expect(codeOf(() => assertWorkflow(workflow))).toBe('INVALID_WORKFLOW')
  })
  it('rejects a cyclic workflow instead of crashing', () => {
    const inputs: Record<string, unknown> = {}
    inputs.self = inputs
    expect(codeOf(() => assertWorkflow({ 1: { class_type: 'X', inputs } }))).toBe('INVALID_WORKFLOW')
  })
})

describe('assertImage', () => {
  const workflow = { 1: { class_type: 'LoadImage', inputs: {} } }
  it('accepts an image Blob for a node of the workflow', () => {
    expect(codeOf(() => assertImage('1', new Blob([new Uint8Array([1])], { type: 'image/png' }), workflow))).toBeUndefined()
  })
  it.each([
    ['a string path', '/tmp/a.png', '1'],
    ['an empty blob', new Blob([], { type: 'image/png' }), '1'],
    ['a text file', new Blob(['hi'], { type: 'text/plain' }), '1'],
    ['an image for a node that does not exist', new Blob([new Uint8Array([1])], { type: 'image/png' }), '9'],
  ])('rejects %s with INVALID_IMAGE', (_, value, node) => {
    expect(codeOf(() => assertImage(node, value, workflow))).toBe('INVALID_IMAGE')
  })
})
