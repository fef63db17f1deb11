// A server's headers and token go to that server only: across lock switches, in health checks, in the app's own
// calls through useComfyHttp(), and never in CORS preflights, URLs, the lock log or the debug snapshot.
import type { IncomingHttpHeaders } from 'node:http'
import { createServer } from 'node:http'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError, useComfyHttp } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { emptyImageWorkflow, failingWorkflow, invertWorkflow, pngBlob, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  unmountAll()
  for (const close of cleanup) await close()
  cleanup = []
})

const TOKENS = ['tok-alpha-7f3a', 'tok-bravo-91c2', 'tok-charlie-4e8d']
const SECRETS = ['secret-alpha', 'secret-bravo', 'secret-charlie']
const EVERY_SECRET = [...TOKENS, ...SECRETS]

/** Three simulators, each configured with its own token and its own extra header; the strategy picks `target`. */
async function setup() {
  const { sims, urls, close } = await startSimulators(3, { speed: 20 })
  cleanup.push(close)
  let target = 0
  const logged: unknown[][] = []
  const keep = (...args: unknown[]): void => void logged.push(args)
  const mounted = mountComfy({
    servers: urls.map((url, i) => ({ url, token: TOKENS[i], headers: { 'X-Comfy-Secret': SECRETS[i]! } })),
    strategy: candidates => candidates[target]?.url,
    logger: { debug: keep, info: keep, warn: keep, error: keep },
  })
  return { sims, urls, logged, ...mounted, lockTo: (i: number) => void (target = i) }
}

/** Every way an error or a log entry gets written out: JSON (error reporters), util.inspect (console dumps), text. */
function serialisations(value: unknown): string[] {
  const out = [JSON.stringify(value) ?? '', inspect(value, { depth: 12 }), String(value)]
  if (value instanceof Error)
    out.push(value.stack ?? '', inspect(value.cause, { depth: 12 }), JSON.stringify(value.cause) ?? '')
  return out
}

/** A plain HTTP server (not configured in the plugin) that records the headers it gets. */
async function startForeignServer(): Promise<{ url: string, seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    res.writeHead(200, { 'Access-Control-Allow-Origin': req.headers.origin ?? '*', 'Access-Control-Allow-Headers': '*', 'Content-Type': 'application/json' })
    res.end('{}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  cleanup.push(() => new Promise(resolve => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, seen }
}

describe('per-server credentials', () => {
  it('sends each server its own token and header only, across lock switches', async () => {
    const { sims, urls, store, lockTo } = await setup()
    // Three tasks, each locking a different server; the lock is released (and the socket closed) in between.
    for (const i of [0, 1, 2, 0]) {
      lockTo(i)
      const { result } = await store.submit(emptyImageWorkflow(0x100 * (i + 1)))
      expect((await result).server).toBe(urls[i])
      await waitFor(() => store.lock === null, 'the release')
    }
    expect(store.log.filter(e => e.kind === 'acquire').map(e => e.server)).toEqual([urls[0], urls[1], urls[2], urls[0]])

    for (const [i, sim] of sims.entries()) {
      const http = sim.requests.filter(r => r.kind === 'http')
      const preflights = http.filter(r => r.method === 'OPTIONS')
      const real = http.filter(r => r.method !== 'OPTIONS')
      // It got requests: health checks from every acquire, and its task's POST /prompt.
      expect(real.some(r => r.method === 'GET' && r.path.endsWith('/prompt'))).toBe(true)
      expect(real.some(r => r.method === 'POST' && r.path.endsWith('/prompt'))).toBe(true)
      // Each carries this server's token and header, and nothing of the others.
      for (const r of real) {
        expect(r.headers?.authorization, `${r.method} ${r.path} on server ${i}`).toBe(`Bearer ${TOKENS[i]}`)
        expect(r.headers?.['x-comfy-secret'], `${r.method} ${r.path} on server ${i}`).toBe(SECRETS[i])
      }
      // CORS preflights (happy-dom's fetch sends them, as a browser does, for a cross-origin call with an
      // Authorization header) carry no credential at all: only the names of the headers to come.
      expect(preflights.length).toBeGreaterThan(0)
      for (const r of preflights) {
        expect(r.headers?.['access-control-request-headers']).toMatch(/authorization/i)
        expect(r.headers?.authorization).toBeUndefined()
        expect(r.headers?.['x-comfy-secret']).toBeUndefined()
      }
      // No credential of any server in any logged header, path or query except the two expected ones.
      const others = EVERY_SECRET.filter(s => s !== TOKENS[i] && s !== SECRETS[i])
      for (const r of sim.requests) {
        const text = JSON.stringify({ path: r.path, query: r.query, headers: r.headers })
        for (const secret of others) expect(text, `${r.kind} ${r.method ?? ''} ${r.path} on server ${i}`).not.toContain(secret)
        if (r.kind !== 'http' || r.method === 'OPTIONS')
          expect(JSON.stringify({ path: r.path, query: r.query })).not.toMatch(/tok-|secret-/)
      }
    }
  })

  it('keeps credentials out of the log, the debug snapshot, server statuses and error messages', async () => {
    const { sims, store, lockTo } = await setup()
    lockTo(1)
    const handle = await store.submit(emptyImageWorkflow())
    await handle.result
    await waitFor(() => store.lock === null, 'the release')
    // A failed task and an unreachable server, so that error messages are in the log and the statuses too.
    lockTo(2)
    const failing = await store.submit(failingWorkflow('boom'))
    await failing.result.catch(() => {})
    await waitFor(() => store.lock === null, 'the release')
    await sims[0]!.goDown()
    await store.refreshServers()
    const visible = JSON.stringify({ log: store.log, debug: store.debugLock(), servers: store.servers, tasks: store.taskList.map(t => ({ ...t, error: t.error?.message })) })
    expect(visible).toContain('boom')
    expect(store.servers[0]!.error).toBeTruthy()
    for (const secret of EVERY_SECRET) expect(visible).not.toContain(secret)
  })

  it('adds a server\'s credentials to the app\'s own calls to that server, and none to a foreign host', async () => {
    const { urls, app } = await setup()
    const foreign = await startForeignServer()
    const http = app.runWithContext(() => useComfyHttp())
    // Nothing is locked: the app may call any configured server, and gets that server's credentials only.
    for (const [i, url] of urls.entries()) {
      const { config } = await http.get('/prompt', { baseURL: url })
      expect(config.headers.Authorization).toBe(`Bearer ${TOKENS[i]}`)
      expect(config.headers['X-Comfy-Secret']).toBe(SECRETS[i])
    }
    // A host that is not configured gets no credential of any server.
    await http.get('/anything', { baseURL: foreign.url })
    const received = foreign.seen.filter(h => !h['access-control-request-method'])
    expect(received).toHaveLength(1)
    for (const headers of foreign.seen) {
      const text = JSON.stringify(headers)
      for (const secret of EVERY_SECRET) expect(text).not.toContain(secret)
    }
  })

  it('keeps every secret out of every error the scenarios produce, in any serialisation, and out of the logger', async () => {
    const { sims, urls, store, app, logged, lockTo } = await setup()
    const http = app.runWithContext(() => useComfyHttp())
    const errors: unknown[] = []
    const failure = async (run: () => Promise<unknown>): Promise<void> => {
      const error = await run().then(() => undefined, (e: unknown) => e)
      expect(error, 'the scenario should fail').toBeInstanceOf(Error)
      errors.push(error)
    }
    lockTo(0)
    // A task holds the lock on server 0 throughout (no health check in between, so each fault hits its own call).
    const slow = await store.submit(slowWorkflow(8, 40))
    await waitFor(() => slow.task.value?.state === 'running', 'the slow task to run')
    // A 500 on POST /prompt, a 500 on the upload, a rejected workflow and a failing node: each a task error.
    sims[0]!.failNext('/prompt', 1, 500)
    await failure(async () => (await store.submit(emptyImageWorkflow(1))).result)
    sims[0]!.failNext('/upload/image', 1, 500)
    await failure(async () => (await store.submit(invertWorkflow(), { images: { 1: pngBlob().blob } })).result)
    await failure(async () => (await store.submit({ 1: { class_type: 'NoSuchNode', inputs: {} } })).result)
    await failure(async () => (await store.submit(failingWorkflow('boom'))).result)
    // The app's own calls to another server, by URL and by tricks.
    await failure(() => http.get(`${urls[1]}/queue`))
    await failure(() => http.get(`${urls[1]!.replace(/^http:/, '')}/queue`))
    await failure(() => http.get(`http://${new URL(urls[0]!).host}@${new URL(urls[1]!).host}/queue`))
    // The app's own failing calls to the locked server: a 404, a 500 and a timeout (raw axios errors).
    await failure(() => http.get('/no-such-route'))
    sims[0]!.failNext('/queue', 1, 500)
    await failure(() => http.get('/queue'))
    sims[0]!.delayResponses(400, '/system_stats')
    await failure(() => http.get('/system_stats', { timeout: 50 }))
    sims[0]!.delayResponses(0)
    await store.cancel(slow.promptId)
    await slow.result.catch(() => {})
    await waitFor(() => store.lock === null, 'the release')
    // An unreachable server: health checks and the app's own call.
    await sims[2]!.goDown()
    await store.refreshServers()
    await failure(() => http.get('/queue', { baseURL: urls[2] }))
    errors.push(...store.taskList.map(t => t.error).filter(Boolean))

    expect(errors.length).toBeGreaterThanOrEqual(14)
    for (const error of errors) {
      if (isComfyTetherError(error)) {
        const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>
        expect(json).toMatchObject({ name: error.name, code: error.code, message: error.message })
      }
      for (const text of serialisations(error)) {
        for (const secret of EVERY_SECRET) expect(text, `${String(error)}`).not.toContain(secret)
      }
    }
    expect(logged.length).toBeGreaterThan(0)
    for (const call of logged) {
      for (const text of call.flatMap(serialisations)) {
        for (const secret of EVERY_SECRET) expect(text, String(call[0])).not.toContain(secret)
      }
    }
    const visible = serialisations({ log: store.log, servers: store.servers, debug: store.debugLock() }).join('\n')
    for (const secret of EVERY_SECRET) expect(visible).not.toContain(secret)
  })
})
