import { afterEach, describe, expect, it, vi } from 'vitest'
import { isComfyTetherError, NoServerAvailableError, ServerMismatchError, TaskLostError } from '../../src/core/errors'
import { LockedServerDownError } from '../../src/core/request-errors'

// Issue #22: a production build keeps each error's code, fields and facts (servers, ids, what failed) and a short
// hint; the longer explanation of what to do is for development builds (Vitest runs as 'test', a development mode).
// The check is made when the error is made, so stubbing NODE_ENV stands for the app's bundler.

const A = 'http://a:8188'
const B = 'http://b:8188'

afterEach(() => {
  vi.unstubAllEnvs()
})

function made<T>(mode: 'production' | 'development', make: () => T): T {
  vi.stubEnv('NODE_ENV', mode)
  return make()
}

describe('error messages in production and development builds', () => {
  it('keep the code, the fields and both servers of a refused request in production, without the explanation', () => {
    const production = made('production', () => new ServerMismatchError(A, B, 'GET /queue', 'p-1'))
    expect(isComfyTetherError(production, 'SERVER_MISMATCH')).toBe(true)
    expect(production).toMatchObject({ lockedServer: A, requestedServer: B, operation: 'GET /queue', promptId: 'p-1' })
    expect(production.message).toBe(`[comfy-tether] GET /queue refused: it targets "${B}" but task p-1 is locked to "${A}". Omit baseURL: comfy-tether sets it.`)
    const development = made('development', () => new ServerMismatchError(A, B, 'GET /queue', 'p-1'))
    expect(development.message.startsWith(production.message.replace(' Omit baseURL: comfy-tether sets it.', ''))).toBe(true)
    expect(development.message).toContain('omit baseURL and let comfy-tether set it')
  })

  it('name every server and its reason when none is available, and the tasks still pending', () => {
    const production = made('production', () => new NoServerAvailableError([A, B], { [A]: 'ECONNREFUSED', [B]: 'HTTP 502' }, { pending: 2 }))
    expect(production.code).toBe('NO_SERVER_AVAILABLE')
    expect(production.pending).toBe(2)
    expect(production.message).toBe(`[comfy-tether] No server available: none of "${A}", "${B}" is reachable (${A}: ECONNREFUSED; ${B}: HTTP 502). 2 pending. Check that ComfyUI runs there, then try again.`)
    const development = made('development', () => new NoServerAvailableError([A, B], { [A]: 'ECONNREFUSED' }, { pending: 2 }))
    expect(development.message).toContain('--enable-cors-header')
    expect(development.message).toContain('the 2 task(s) of this client already pending there stay pending')
  })

  it('say which task was lost where and why, and keep the way out of a dead locked server', () => {
    const lost = made('production', () => new TaskLostError(A, 'p-2', 'server-restarted'))
    expect(lost).toMatchObject({ code: 'TASK_LOST', server: A, promptId: 'p-2', reason: 'server-restarted', sent: true })
    expect(lost.message).toBe(`[comfy-tether] Task p-2 was lost on "${A}" (server-restarted); submit it again.`)
    const unsent = made('production', () => new TaskLostError(A, 'p-3', 'abandoned', false))
    expect(unsent.message).toBe(`[comfy-tether] Task p-3 was lost before it was sent to "${A}" (abandoned); submit it again.`)
    const down = made('production', () => new LockedServerDownError(A, 0, ['p-4']))
    expect(down.message).toContain(`abandon("${A}")`)
    expect(down.message).not.toContain('to end those tasks and submit to another server')
    expect(made('development', () => new TaskLostError(A, 'p-2', 'server-restarted')).message).toContain('the server restarted and forgot its queue and history')
  })
})
