import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ViteDevServer } from 'vite'
import type { isComfyTetherError } from '../../src/core/errors'
import type { createComfyHttp } from '../../src/http/create-comfy-http'
import type { ComfySimulator } from '../../src/testing/index'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startSimulators } from '../../src/testing/index'
import { launchChromium, startDevServer } from '../helpers/playground-browser'
import { startPrefixProxy } from '../helpers/prefix-proxy'

// The URL model's table of tricks in a real browser (issue #11): headless Chromium loads the library through Vite and
// makes the interceptor-backed axios instance with real axios, in both of axios's browser adapters (fetch, xhr). Two
// ComfyUI simulators share one origin behind a reverse proxy under /a and /b, a third (another host) is on its own port;
// each wants its own token. Locked to /a, every trick aimed at /b or the other host must be refused in the page, and the
// simulators' logs must show that nothing reached /b or the other host and that A's token went nowhere but A.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TOKENS = { a: 'url-model-token-alpha', b: 'url-model-token-bravo', c: 'url-model-token-charlie' }
/** A blank page that loads the library's HTTP layer through Vite; served by the dev server, so Chromium lets it reach loopback. */
const PAGE = `/@fs${join(ROOT, 'tests', 'helpers', 'url-model-page.html')}`

interface Deployment { A: string, B: string, C: string, proxy: string }
interface Outcome { ok: boolean, status?: number, data?: unknown, code?: string, tetherError: boolean, message: string }
type Adapter = 'fetch' | 'xhr'
/** What tests/helpers/url-model-page.html puts on `window.urlModel`. */
interface PageLibrary { createComfyHttp: typeof createComfyHttp, isComfyTetherError: typeof isComfyTetherError }

let vite: ViteDevServer
let browser: Browser
let context: BrowserContext
let page: Page
let d: Deployment
let sims: { a: ComfySimulator, b: ComfySimulator, c: ComfySimulator }
let closers: (() => Promise<void>)[] = []

/** Sends one request from the page through a client locked to A, with every server's token configured. */
async function fire(adapter: Adapter, request: { url: string, baseURL?: string }): Promise<Outcome> {
  return await page.evaluate(async ({ adapter, request, d, tokens }) => {
    const lib = (window as unknown as { urlModel: PageLibrary }).urlModel
    const headers: Record<string, Record<string, string>> = {
      [d.A]: { Authorization: `Bearer ${tokens.a}` },
      [d.B]: { Authorization: `Bearer ${tokens.b}` },
      [d.C]: { Authorization: `Bearer ${tokens.c}` },
    }
    const { http, dispose } = lib.createComfyHttp({
      config: { adapter },
      lockedServer: () => d.A,
      taskServer: () => undefined,
      servers: () => [d.A, d.B, d.C],
      headersFor: server => headers[server],
    })
    try {
      const response = await http.request(request)
      return { ok: true, status: response.status, data: response.data as unknown, tetherError: false, message: '' }
    }
    catch (error) {
      return { ok: false, code: (error as { code?: string }).code, tetherError: lib.isComfyTetherError(error), message: String(error) }
    }
    finally {
      dispose()
    }
  }, { adapter, request, d, tokens: TOKENS })
}

/** Every header value and query value a simulator received. */
function sentValues(sim: ComfySimulator): string[] {
  return sim.requests.flatMap(r => [...Object.values(r.headers ?? {}), ...Object.values(r.query ?? {})])
}

beforeAll(async () => {
  delete process.env.COMFY_SERVERS
  const started = await startSimulators(3, i => ({ speed: 50, auth: { token: Object.values(TOKENS)[i]!, query: false } }))
  closers.push(started.close)
  sims = { a: started.sims[0]!, b: started.sims[1]!, c: started.sims[2]! }
  const proxy = await startPrefixProxy({ '/a': started.urls[0]!, '/b': started.urls[1]! })
  closers.push(proxy.close)
  d = { A: `${proxy.url}/a`, B: `${proxy.url}/b`, C: started.urls[2]!, proxy: proxy.url }

  const dev = await startDevServer()
  vite = dev.vite
  const baseUrl = dev.baseUrl
  browser = await launchChromium()
  context = await browser.newContext()
  page = await context.newPage()
  await page.goto(new URL(PAGE, baseUrl).href)
  await page.waitForFunction(() => 'urlModel' in window, undefined, { timeout: 60_000 })
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await vite?.close()
  for (const close of closers.splice(0).reverse()) await close()
  closers = []
})

beforeEach(() => {
  for (const sim of Object.values(sims)) sim.clearLog()
})

const TRICKS: [string, (d: Deployment) => { url: string, baseURL?: string }][] = [
  ['a scheme-relative URL of the other host', ({ C }) => ({ url: `${C.replace(/^http:/, '')}/queue` })],
  ['a scheme-relative URL of the other host by another name', ({ C }) => ({ url: `//localhost:${new URL(C).port}/queue` })],
  ['a scheme-relative URL of the sibling prefix', ({ B }) => ({ url: `${B.replace(/^http:/, '')}/queue` })],
  ['relative dot segments', () => ({ url: '../b/queue' })],
  ['dot segments into the sibling prefix', ({ proxy }) => ({ url: `${proxy}/a/../b/queue` })],
  ['percent-encoded dots', ({ proxy }) => ({ url: `${proxy}/a/%2e%2e/b/queue` })],
  ['upper-case percent-encoded dots', ({ proxy }) => ({ url: `${proxy}/a/%2E%2E/b/queue` })],
  ['relative backslashes', () => ({ url: '..\\b\\queue' })],
  ['an encoded slash the proxy decodes', ({ proxy }) => ({ url: `${proxy}/a/..%2fb/queue` })],
  ['a full URL of the sibling server', ({ B }) => ({ url: `${B}/queue` })],
  ['a full URL of the other host', ({ C }) => ({ url: `${C}/queue` })],
]

describe.each<Adapter>(['fetch', 'xhr'])('the URL model in Chromium, axios\'s %s adapter, locked to /a', (adapter) => {
  it.each(TRICKS)('refuses %s before anything is sent', async (_, make) => {
    const outcome = await fire(adapter, make(d))
    expect(outcome.ok, JSON.stringify(outcome)).toBe(false)
    expect(outcome.tetherError, outcome.message).toBe(true)
    expect(['SERVER_MISMATCH', 'INVALID_SERVER_URL'], outcome.message).toContain(outcome.code)
    expect(outcome.message).not.toContain(TOKENS.a)
    // Refused in the page: no simulator saw anything, not even a CORS preflight.
    expect(sims.b.requests, 'the sibling /b').toEqual([])
    expect(sims.c.requests, 'the other host').toEqual([])
    expect(sims.a.requests, 'A itself: the call was refused, not sent').toEqual([])
  })

  it('sends a plain relative call to A with A\'s token, which A accepts', async () => {
    const outcome = await fire(adapter, { url: '/queue' })
    expect(outcome, outcome.message).toMatchObject({ ok: true, status: 200, data: { queue_running: [], queue_pending: [] } })
    const gets = sims.a.requests.filter(r => r.method === 'GET')
    expect(gets.map(r => [r.path, r.headers?.authorization, r.status])).toEqual([['/queue', `Bearer ${TOKENS.a}`, 200]])
    expect(sims.b.requests).toEqual([])
    expect(sims.c.requests).toEqual([])
  })
})

describe('the tokens after the whole table', () => {
  it('never reached a server but their own', async () => {
    for (const adapter of ['fetch', 'xhr'] as const) {
      for (const [, make] of TRICKS) await fire(adapter, make(d))
      expect((await fire(adapter, { url: '/queue' })).ok).toBe(true)
    }
    expect(sims.b.requests).toEqual([])
    expect(sims.c.requests).toEqual([])
    const atA = sentValues(sims.a)
    expect(atA.filter(v => v.includes(TOKENS.a))).toHaveLength(2)
    expect(atA.filter(v => v.includes(TOKENS.b) || v.includes(TOKENS.c))).toEqual([])
  })
})
