// Issue #20: bad options are refused at creation with INVALID_OPTIONS naming the option; `Infinity` means "never" for
// maxOutage and requestTimeout; a typo'd option name is reported with the closest known one.
import type { ComfyClientOptions, ComfyLogger } from 'comfy-tether/client'
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { createComfyClient } from 'comfy-tether/client'
import { isComfyTetherError } from 'comfy-tether/core'
import { emptyImageWorkflow, slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { sleep, waitFor } from '../helpers/wait'

const { servers } = simulatorPool()

function refusal(options: Record<string, unknown>): { code: string, message: string } {
  try {
    createComfyClient({ servers: ['http://127.0.0.1:1'], WebSocket, logger: false, ...options } as ComfyClientOptions).dispose()
  }
  catch (error) {
    expect(isComfyTetherError(error), String(error)).toBe(true)
    return error as { code: string, message: string }
  }
  throw new Error('expected createComfyClient to throw')
}

function recordingLogger(): ComfyLogger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, debug: () => {}, info: () => {}, warn: message => void warnings.push(message), error: () => {} }
}

describe('options of the wrong shape', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a WebSocket that is a module object', { WebSocket: { default: WebSocket } }, '`WebSocket`'],
    ['a WebSocket that is an arrow function', { WebSocket: (url: string) => new WebSocket(url) }, '`WebSocket`'],
    ['a WebSocket that is a URL', { WebSocket: 'ws://127.0.0.1:8188/ws' }, '`WebSocket`'],
    ['a socket factory that is not a function', { socket: { open: () => {} } }, '`socket`'],
    ['timers without clearTimeout', { timers: { setTimeout, now: Date.now } }, '`timers`'],
    ['a logger without warn and error', { logger: { log: () => {} } }, '`logger`'],
    ['a logger that is true', { logger: true }, '`logger`'],
    ['a persist that is a string', { persist: 'session' }, '`persist`'],
    ['an ioredis-like persist.storage (get/set)', { persist: { storage: { get: async () => null, set: async () => 'OK' } } }, '`persist.storage`'],
  ])('refuses %s with INVALID_OPTIONS naming it', (_, options, name) => {
    const error = refusal(options)
    expect(error.code).toBe('INVALID_OPTIONS')
    expect(error.message).toContain(name)
  })

  it('accepts a persist.storage whose getItem/setItem return promises (an async store)', () => {
    const storage = { getItem: async () => null, setItem: async () => {} }
    createComfyClient({ servers: ['http://127.0.0.1:1'], WebSocket, persist: { storage }, logger: false }).dispose()
  })

  it('accepts a class, a plain constructor function and a bound class as WebSocket', () => {
    function Legacy(this: unknown, url: string) {
      return new WebSocket(url)
    }
    for (const ctor of [WebSocket, Legacy, WebSocket.bind(null)])
      createComfyClient({ servers: ['http://127.0.0.1:1'], WebSocket: ctor as never, logger: false }).dispose()
  })
})

describe('durations', () => {
  it.each<[string, Record<string, unknown>]>([
    ['maxOutage', { maxOutage: 2 ** 31 }],
    ['requestTimeout', { requestTimeout: -1 }],
    ['healthTimeout', { healthTimeout: Number.POSITIVE_INFINITY }],
    ['socketOpenTimeout', { socketOpenTimeout: 3e9 }],
    ['releaseDelay', { releaseDelay: Number.NaN }],
    ['reconcile.interval', { reconcile: { interval: Number.POSITIVE_INFINITY } }],
    ['reconcile.lostGrace', { reconcile: { lostGrace: 2 ** 40 } }],
    ['reconnect.maxDelay', { reconnect: { maxDelay: Number.POSITIVE_INFINITY } }],
    ['reconnect.baseDelay', { reconnect: { baseDelay: -5 } }],
  ])('refuses %s past the longest a timer keeps, negative or NaN', (name, options) => {
    const error = refusal(options)
    expect(error.code).toBe('INVALID_OPTIONS')
    expect(error.message).toContain(`\`${name}\``)
  })

  it('keeps a task through a socket drop and an outage with maxOutage: Infinity', async () => {
    const { sims, urls } = await servers(1)
    const client = nodeClient({ servers: urls, maxOutage: Number.POSITIVE_INFINITY })
    const handle = await client.submit(slowWorkflowWithoutPreviews(6, 1.2))
    await waitFor(() => handle.task?.state === 'running', 'running')
    sims[0]!.dropSockets()
    await sims[0]!.goDown()
    await waitFor(() => client.log.some(e => e.kind === 'outage'), 'the outage to be seen')
    await sleep(300)
    expect(handle.task?.state).toBe('running')
    await sims[0]!.comeUp()
    const result = await handle.result
    expect(result.images).toHaveLength(1)
  })

  it('settles a submit with requestTimeout: Infinity (no timeout)', async () => {
    const { urls } = await servers(1)
    const client = nodeClient({ servers: urls, requestTimeout: Number.POSITIVE_INFINITY })
    const result = await (await client.submit(emptyImageWorkflow(0x0A0B0C))).result
    expect(result.images).toHaveLength(1)
  })
})

describe('option names nobody reads', () => {
  it('warns about a typo\'d option, naming the closest known one, at any level', () => {
    const logger = recordingLogger()
    createComfyClient({ servers: [{ url: 'http://127.0.0.1:1', tokn: 't' }], WebSocket, logger, maxOutge: 5000, reconcile: { intreval: 100 } } as unknown as ComfyClientOptions).dispose()
    expect(logger.warnings).toHaveLength(3)
    expect(logger.warnings[0]).toContain('`maxOutge`')
    expect(logger.warnings[0]).toContain('`maxOutage`')
    expect(logger.warnings[1]).toContain('`reconcile.intreval`')
    expect(logger.warnings[1]).toContain('`reconcile.interval`')
    expect(logger.warnings[2]).toContain('`servers[0].tokn`')
    expect(logger.warnings[2]).toContain('`servers[0].token`')
  })

  it('says nothing about the options it knows', () => {
    const logger = recordingLogger()
    createComfyClient({ servers: urlsOf(), WebSocket, logger, maxOutage: 1000, reconnect: { retries: 3 }, timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: h => clearTimeout(h as never), now: Date.now } }).dispose()
    expect(logger.warnings).toEqual([])
  })
})

function urlsOf(): string[] {
  return ['http://127.0.0.1:1', { url: 'http://127.0.0.1:2', label: 'b', headers: {}, token: 't', auth: { query: 'token' } }] as never
}
