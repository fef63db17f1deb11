// Every error class an app can catch is exported by each entry that hands out errors: `comfy-tether` (Vue) and
// `comfy-tether/client` (no Vue) export the same classes, wherever in src they are defined (some live in modules of
// their own so that only the code that throws them loads them).
import { describe, expect, it } from 'vitest'
import * as client from '../../src/client/index'
import * as vue from '../../src/index'

function errorClasses(entry: Record<string, unknown>): string[] {
  return Object.entries(entry)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
    .map(([name]) => name)
    .sort()
}

describe('error classes of the entries', () => {
  it('comfy-tether/client exports every error class comfy-tether exports', () => {
    const fromVue = errorClasses(vue)
    expect(fromVue).toContain('ExecutionFailedError')
    expect(fromVue).toContain('LockedServerDownError')
    expect(errorClasses(client)).toEqual(expect.arrayContaining(fromVue))
  })

  it('the task outcomes of comfy-tether/client are the classes isComfyTetherError narrows to', () => {
    const error = new client.TaskCancelledError('http://a:8188', 'p1', 'not-sent')
    expect(client.isComfyTetherError(error, 'TASK_CANCELLED')).toBe(true)
    expect(error).toBeInstanceOf(client.ComfyTetherError)
    expect(error.how).toBe('not-sent')
  })
})
