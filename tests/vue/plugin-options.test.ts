// Issue #20: app.use(comfyPlugin, options) refuses bad options with INVALID_OPTIONS naming the option, as
// createComfyClient does, and warns about option names it does not know.
import type { ComfyLogger, ComfyPluginOptions } from '../../src/index'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { createApp } from 'vue'
import { comfyPlugin, isComfyTetherError } from '../../src/index'

function install(options: Record<string, unknown>): unknown {
  const app = createApp({ render: () => null })
  app.use(createPinia())
  try {
    app.use(comfyPlugin, { servers: ['http://127.0.0.1:1'], persist: false, ...options } as ComfyPluginOptions)
  }
  catch (error) {
    return error
  }
  app.mount(document.createElement('div'))
  app.unmount()
  return undefined
}

describe('comfyPlugin options', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a logger without its methods', { logger: { log: () => {} } }, '`logger`'],
    ['an ioredis-like persist.storage', { persist: { storage: { get: async () => null, set: async () => 'OK' } } }, '`persist.storage`'],
    ['a maxOutage past 2^31−1 ms', { maxOutage: 2 ** 31 }, '`maxOutage`'],
    ['a NaN requestTimeout', { requestTimeout: Number.NaN }, '`requestTimeout`'],
  ])('refuses %s with INVALID_OPTIONS naming it', (_, options, name) => {
    const error = install(options)
    expect(isComfyTetherError(error), String(error)).toBe(true)
    expect((error as { code: string }).code).toBe('INVALID_OPTIONS')
    expect((error as Error).message).toContain(name)
  })

  it('accepts Infinity for maxOutage and requestTimeout', () => {
    expect(install({ maxOutage: Number.POSITIVE_INFINITY, requestTimeout: Number.POSITIVE_INFINITY, logger: false })).toBeUndefined()
  })

  it('warns about a typo\'d option and an option only createComfyClient takes', () => {
    const warnings: string[] = []
    const logger: ComfyLogger = { debug: () => {}, info: () => {}, warn: message => void warnings.push(message), error: () => {} }
    expect(install({ logger, exposeOnWindw: true, WebSocket: Object })).toBeUndefined()
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('`exposeOnWindw`')
    expect(warnings[0]).toContain('`exposeOnWindow`')
    expect(warnings[1]).toContain('`WebSocket`')
  })
})
