/**
 * The bad-input catalogue: every way an app, a user or a server can hand comfy-tether something wrong, and the typed
 * error or safe handling it gets. Nothing here may crash, hang, or reach a server it should not.
 */
import type { ComfyPluginOptions, ComfyWorkflow } from '../../src/index'
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { parseBinaryFrame } from '../../src/core/binary-frames'
import { MAX_TEXT_FRAME_BYTES, parseMessage } from '../../src/core/protocol'
import { isComfyTetherError, resolveComfyOptions } from '../../src/index'
import { createComfySimulator } from '../../src/testing/index'
import { startFakeServer } from '../helpers/fake-server'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  unmountAll()
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function sim(): Promise<ComfySimulator> {
  const s = await createComfySimulator({ speed: 20 })
  cleanups.push(() => s.close())
  return s
}

async function fake(handler: Parameters<typeof startFakeServer>[0]) {
  const f = await startFakeServer(handler)
  cleanups.push(f.close)
  return f
}

async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run()
  }
  catch (error) {
    return error
  }
  throw new Error('expected an error, got none')
}

function expectTyped(error: unknown, code: string, ...words: string[]): void {
  expect(isComfyTetherError(error), `not a ComfyTetherError: ${String(error)}`).toBe(true)
  expect((error as { code: string }).code).toBe(code)
  for (const word of words) expect((error as Error).message).toContain(word)
  expect((error as Error).message).toMatch(/^\[comfy-tether\] /)
}

const png = (): Blob => new Blob([new Uint8Array([0x89, 0x50, 0x4E, 0x47])], { type: 'image/png' })

describe('options', () => {
  it.each<[string, unknown, string, string]>([
    ['an empty server list', { servers: [] }, 'INVALID_OPTIONS', 'non-empty array'],
    ['servers that is not an array', { servers: 'http://a:8188' }, 'INVALID_OPTIONS', 'non-empty array'],
    ['a javascript: URL', { servers: ['javascript:alert(1)'] }, 'INVALID_SERVER_URL', 'scheme'],
    ['a file: URL', { servers: ['file:///etc/passwd'] }, 'INVALID_SERVER_URL', 'scheme'],
    ['a URL without scheme', { servers: ['localhost:8188'] }, 'INVALID_SERVER_URL', 'scheme'],
    ['a URL with credentials', { servers: ['http://admin:hunter2@a:8188'] }, 'INVALID_SERVER_URL', 'credentials'],
    ['duplicates differing by a trailing slash and case', { servers: ['http://A:8188/', 'http://a:8188'] }, 'INVALID_OPTIONS', 'same ComfyUI'],
    ['a server and its /api alias', { servers: ['http://a:8188', { url: 'http://a:8188/api', token: 't' }] }, 'INVALID_OPTIONS', 'same ComfyUI'],
    ['a server with and without its default port', { servers: ['https://a/comfy', 'https://a:443/comfy/'] }, 'INVALID_OPTIONS', 'same ComfyUI'],
    ['a negative maxOutage', { servers: ['http://a:8188'], maxOutage: -1 }, 'INVALID_OPTIONS', 'maxOutage'],
    ['an unknown strategy', { servers: ['http://a:8188'], strategy: 'random' }, 'INVALID_OPTIONS', 'strategy'],
    ['a server entry of the wrong shape', { servers: [{ host: 'a' }] }, 'INVALID_OPTIONS', 'servers[0]'],
    ['a maxOutage past the longest timer (2^31−1 ms)', { servers: ['http://a:8188'], maxOutage: 2 ** 31 }, 'INVALID_OPTIONS', 'maxOutage'],
    ['a NaN reconcile.interval', { servers: ['http://a:8188'], reconcile: { interval: Number.NaN } }, 'INVALID_OPTIONS', 'reconcile.interval'],
    ['an Infinity healthTimeout (only maxOutage and requestTimeout take Infinity)', { servers: ['http://a:8188'], healthTimeout: Number.POSITIVE_INFINITY }, 'INVALID_OPTIONS', 'healthTimeout'],
    ['a logger without debug/info/warn/error', { servers: ['http://a:8188'], logger: { log: () => {} } }, 'INVALID_OPTIONS', 'logger'],
    ['a persist.storage without getItem/setItem (ioredis-like)', { servers: ['http://a:8188'], persist: { storage: { get: () => null, set: () => {} } } }, 'INVALID_OPTIONS', 'persist.storage'],
  ])('rejects %s', (_, options, code, word) => {
    let thrown: unknown
    try {
      resolveComfyOptions(options as ComfyPluginOptions)
    }
    catch (error) {
      thrown = error
    }
    expectTyped(thrown, code, word)
  })

  it('never leaks credentials of a rejected URL into its message', () => {
    let thrown: unknown
    try {
      resolveComfyOptions({ servers: ['http://admin:hunter2@a:8188'] })
    }
    catch (error) {
      thrown = error
    }
    expect((thrown as Error).message).toContain('credentials')
    expect(JSON.stringify(thrown)).not.toContain('hunter2')
    expect((thrown as Error).message).not.toContain('hunter2')
  })

  it('keeps localhost and 127.0.0.1 as two servers', () => {
    expect(resolveComfyOptions({ servers: ['http://localhost:8188', 'http://127.0.0.1:8188'] }).servers.map(s => s.url)).toEqual(['http://localhost:8188', 'http://127.0.0.1:8188'])
  })
})

describe('submit arguments (nothing is sent)', () => {
  it.each<[string, unknown, Record<string, unknown> | undefined, string]>([
    ['a null workflow', null, undefined, 'INVALID_WORKFLOW'],
    ['a workflow in UI format (array)', [{ id: 1, type: 'LoadImage' }], undefined, 'INVALID_WORKFLOW'],
    ['a JSON string instead of an object', '{"1":{}}', undefined, 'INVALID_WORKFLOW'],
    ['a huge workflow', { 1: { class_type: 'X', inputs: { data: 'x'.repeat(17 * 1024 * 1024) } } }, undefined, 'INVALID_WORKFLOW'],
    ['an image that is a path string', emptyImageWorkflow(), { 1: '/tmp/cat.png' }, 'INVALID_IMAGE'],
    ['a text file as image', emptyImageWorkflow(), { 1: new Blob(['hello'], { type: 'text/plain' }) }, 'INVALID_IMAGE'],
    ['an empty file', emptyImageWorkflow(), { 1: new Blob([], { type: 'image/png' }) }, 'INVALID_IMAGE'],
    ['an image for a node the workflow lacks', emptyImageWorkflow(), { 9: png() }, 'INVALID_IMAGE'],
  ])('rejects %s', async (_, workflow, images, code) => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const error = await errorOf(() => store.submit(workflow as ComfyWorkflow, images ? { images: images as Record<string, Blob> } : {}))
    expectTyped(error, code)
    expect(s.requests).toEqual([])
    expect(store.lock).toBeNull()
  })

  it('rejects cancelling an unknown task with TASK_NOT_FOUND', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    expectTyped(await errorOf(() => store.cancel('nope')), 'TASK_NOT_FOUND', 'nope')
    expect(s.requests).toEqual([])
  })
})

describe('what the server says', () => {
  it('rejects an unknown node type with NO_CAPABLE_SERVER before POST /prompt, and with PROMPT_REJECTED when validation is off', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    expectTyped(await errorOf(() => store.submit({ 1: { class_type: 'Nope', inputs: {} } })), 'NO_CAPABLE_SERVER', 'Nope')
    expect(s.requests.some(r => r.path === '/prompt' && r.method === 'POST')).toBe(false)
    const error = await (await store.submit({ 1: { class_type: 'Nope', inputs: {} } }, { validate: false })).result.catch((e: unknown) => e)
    expectTyped(error, 'PROMPT_REJECTED', 'Nope')
  })

  it('rejects a LoadImage of a missing image with PROMPT_REJECTED naming the file', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const error = await (await store.submit({
      1: { class_type: 'LoadImage', inputs: { image: 'does_not_exist.png' } },
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
    })).result.catch((e: unknown) => e)
    expectTyped(error, 'PROMPT_REJECTED', 'does_not_exist.png')
  })

  it('fails a task with REQUEST_FAILED on a 500 from POST /prompt', async () => {
    const s = await createComfySimulator({ speed: 1 })
    cleanups.push(() => s.close())
    const { store } = mountComfy({ servers: [s.url] })
    const running = await store.submit(slowWorkflow(3, 0.6))
    await waitFor(() => running.task.value?.state === 'running', 'the first task to run')
    // locked now: the next submit sends no health check, so the 500 hits its POST /prompt
    s.failNext('/prompt', 1, 500)
    const error = await (await store.submit(emptyImageWorkflow())).result.catch((e: unknown) => e)
    expectTyped(error, 'REQUEST_FAILED', 'HTTP 500', 'POST /prompt')
    await running.result
  })

  it('fails with UPLOAD_FAILED when the upload answers 500', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    s.failNext('/upload/image', 1, 500)
    const handle = await store.submit({ 1: { class_type: 'LoadImage', inputs: { image: 'x.png' } }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } } }, { images: { 1: png() } })
    expectTyped(await handle.result.catch((e: unknown) => e), 'UPLOAD_FAILED', 'HTTP 500')
    expect(s.requests.some(r => r.method === 'POST' && r.path === '/prompt')).toBe(false)
  })

  it.each<[string, number, string, string]>([
    ['an HTML error page from a proxy (502)', 502, 'text/html', '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>'],
    ['a 503 from a load balancer', 503, 'text/plain', 'Service Unavailable'],
    ['a non-JSON 200 body', 200, 'text/html', '<html>login page</html>'],
  ])('treats %s as an unavailable server, with no HTML in the message', async (_, status, type, body) => {
    const proxy = await fake((_req, res) => res.writeHead(status, { 'Content-Type': type }).end(body))
    const { store } = mountComfy({ servers: [proxy.url] })
    const error = await errorOf(() => store.submit(emptyImageWorkflow()))
    expectTyped(error, 'NO_SERVER_AVAILABLE', proxy.url)
    expect((error as Error).message).not.toMatch(/<[a-z]/i)
    expect(proxy.hits.every(h => h === 'GET /prompt' || h === 'OPTIONS /prompt')).toBe(true)
  })

  it('refuses a redirect to another host; the other host sees nothing', async () => {
    const elsewhere = await fake((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"exec_info":{"queue_remaining":0}}'))
    const redirecting = await fake((_req, res) => res.writeHead(302, { Location: `${elsewhere.url}/prompt` }).end())
    const { store } = mountComfy({ servers: [redirecting.url] })
    const error = await errorOf(() => store.submit(emptyImageWorkflow()))
    expectTyped(error, 'NO_SERVER_AVAILABLE')
    expect(elsewhere.hits).toEqual([])
    expect(store.servers[0]!.error).toMatch(/redirect|another server|refused/i)
  })

  it('gives up on a server that does not answer within healthTimeout', async () => {
    const s = await sim()
    s.delayResponses(2000)
    const { store } = mountComfy({ servers: [s.url], healthTimeout: 200 })
    const error = await errorOf(() => store.submit(emptyImageWorkflow()))
    expectTyped(error, 'NO_SERVER_AVAILABLE', 'no answer within 200 ms')
  })

  it('reports a refused connection as NO_SERVER_AVAILABLE', async () => {
    const s = await sim()
    await s.goDown()
    const { store } = mountComfy({ servers: [s.url] })
    expectTyped(await errorOf(() => store.submit(emptyImageWorkflow())), 'NO_SERVER_AVAILABLE', s.url)
  })
})

describe('frames', () => {
  it.each<[string, () => { ok: boolean }]>([
    ['a frame that is not JSON', () => parseMessage('{"type":')],
    ['a JSON array frame', () => parseMessage('[1,2]')],
    ['a frame without data', () => parseMessage('{"type":"progress"}')],
    ['progress with a string value', () => parseMessage('{"type":"progress","data":{"value":"1","max":2,"prompt_id":"p"}}')],
    ['an oversized frame', () => parseMessage(`{"type":"x","data":"${'a'.repeat(MAX_TEXT_FRAME_BYTES)}"}`)],
    ['an empty binary frame', () => parseBinaryFrame(new Uint8Array(0))],
    ['a preview frame cut inside its header', () => parseBinaryFrame(new Uint8Array([0, 0, 0, 1, 0, 0]))],
    ['a metadata frame whose length runs past the end', () => parseBinaryFrame(new Uint8Array([0, 0, 0, 4, 0, 0, 0xFF, 0xFF, 1, 2]))],
  ])('rejects %s without throwing', (_, parse) => {
    expect(parse().ok).toBe(false)
  })

  it('counts malformed frames from the server and keeps the task going', async () => {
    const s = await createComfySimulator({ speed: 1 })
    cleanups.push(() => s.close())
    const { store } = mountComfy({ servers: [s.url] })
    const handle = await store.submit(slowWorkflow(4, 0.8))
    await waitFor(() => store.socket.status === 'OPEN', 'the socket')
    s.sendMalformedFrame('invalid-json', store.clientId)
    s.sendMalformedFrame('unknown-type', store.clientId)
    await waitFor(() => store.malformedFrames >= 1, 'a malformed frame')
    await handle.result
    expect(store.malformedFrames).toBe(1) // an unknown message type is not malformed: custom nodes send many
  })
})
