// Issue #22: a production build checks only what TypeScript's types cannot catch, so its bundle carries no checks of
// option types; every check that guards correctness or security stays in every build. Vitest runs as 'test' (a
// development mode); stubbing NODE_ENV stands for the app's bundler, as the checks read it when the options are read.
import type { ComfyPluginOptions } from '../../src/client/options'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { resolveComfyOptions } from '../../src/client/resolve-options'
import { isComfyTetherError } from '../../src/core/errors'

afterEach(() => {
  vi.unstubAllEnvs()
})

function refusalIn(mode: 'production' | 'development', options: unknown): { code: string, message: string } {
  vi.stubEnv('NODE_ENV', mode)
  try {
    resolveComfyOptions(options as ComfyPluginOptions)
  }
  catch (error) {
    expect(isComfyTetherError(error), String(error)).toBe(true)
    return error as { code: string, message: string }
  }
  throw new Error('expected resolveComfyOptions to throw')
}

const A = 'http://a:8188'

describe('options a production build still refuses', () => {
  it.each<[string, unknown, string, string]>([
    ['no options', undefined, 'INVALID_OPTIONS', 'options'],
    ['no servers', { servers: [] }, 'INVALID_OPTIONS', '`servers`'],
    ['a URL with credentials', { servers: ['http://admin:hunter2@a:8188'] }, 'INVALID_SERVER_URL', 'credentials'],
    ['a URL of another scheme', { servers: ['file:///etc/passwd'] }, 'INVALID_SERVER_URL', 'scheme'],
    ['a server entry without a URL', { servers: [{ host: 'a' }] }, 'INVALID_OPTIONS', 'servers[0]'],
    ['a null server entry', { servers: [null] }, 'INVALID_OPTIONS', 'servers[0]'],
    ['a server URL that is not a string', { servers: [{ url: 8188 }] }, 'INVALID_SERVER_URL', 'non-empty string'],
    ['the same server twice', { servers: [A, `${A}/api`] }, 'INVALID_OPTIONS', 'same ComfyUI'],
    ['a query credential under a name comfy-tether writes', { servers: [{ url: A, token: 'secret-token', auth: { query: 'clientId' } }] }, 'INVALID_OPTIONS', 'auth.query'],
    ['a query credential without a token', { servers: [{ url: A, auth: { query: 'token' } }] }, 'INVALID_OPTIONS', 'auth.query'],
    ['a NaN duration', { servers: [A], reconcile: { interval: Number.NaN } }, 'INVALID_OPTIONS', 'reconcile.interval'],
    ['a negative duration', { servers: [A], maxOutage: -1 }, 'INVALID_OPTIONS', 'maxOutage'],
    ['a duration past the longest timer', { servers: [A], reconnect: { maxDelay: 2 ** 31 } }, 'INVALID_OPTIONS', 'reconnect.maxDelay'],
    ['Infinity where never is not allowed', { servers: [A], healthTimeout: Number.POSITIVE_INFINITY }, 'INVALID_OPTIONS', 'healthTimeout'],
    ['a count that is not whole', { servers: [A], maxTasksPerServer: 1.5 }, 'INVALID_OPTIONS', 'maxTasksPerServer'],
    ['a storage without getItem/setItem', { servers: [A], persist: { storage: { get: () => null, set: () => {} } } }, 'INVALID_OPTIONS', 'persist.storage'],
  ])('%s', (_, options, code, word) => {
    const error = refusalIn('production', options)
    expect(error.code).toBe(code)
    expect(error.message).toContain(word)
  })
})

describe('options only a development build checks (the types catch them)', () => {
  it('refuses a wrong strategy, affinity, logger, headers or token in development', () => {
    for (const [options, word] of [
      [{ servers: [A], strategy: 'random' }, 'strategy'],
      [{ servers: [A], affinity: 'sticky' }, 'affinity'],
      [{ servers: [A], logger: { log: () => {} } }, 'logger'],
      [{ servers: [{ url: A, token: 42 }] }, 'token'],
      [{ servers: [{ url: A, headers: { 'X-Key': 1 } }] }, 'headers'],
    ] as const)
      expect(refusalIn('development', options).message).toContain(word)
  })

  it('takes an unknown strategy or affinity as the default in production', () => {
    vi.stubEnv('NODE_ENV', 'production')
    const resolved = resolveComfyOptions({ servers: [A], strategy: 'random', affinity: 'sticky' } as unknown as ComfyPluginOptions)
    const defaults = resolveComfyOptions({ servers: [A] })
    expect(resolved.affinity).toBe('session')
    expect(resolved.strategy).toBe(defaults.strategy)
  })
})
