import type { AxiosRequestConfig } from 'axios'
import type { ComfyTetherError } from '../../src/core/errors'
import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { createComfyHttp } from '../../src/http/create-comfy-http'
import { startSimulators } from '../../src/testing/index'
import { startFakeServer } from '../helpers/fake-server'
import { startPrefixProxy } from '../helpers/prefix-proxy'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function twoServers() {
  const seen: { server: 'a' | 'b', line: string, auth?: string }[] = []
  const make = async (name: 'a' | 'b') => {
    const s = await startFakeServer((req, res) => {
      seen.push({ server: name, line: `${req.method} ${req.url}`, auth: req.headers.authorization })
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ server: name }))
    })
    cleanups.push(s.close)
    return s
  }
  const a = await make('a')
  const b = await make('b')
  return { a: a.url, b: b.url, seen }
}

function http(context: { locked?: string, servers: string[], tasks?: Record<string, string>, headers?: Record<string, Record<string, string>> }) {
  const refused: string[] = []
  const created = createComfyHttp({
    lockedServer: () => context.locked,
    taskServer: id => context.tasks?.[id],
    servers: () => context.servers,
    headersFor: server => context.headers?.[server],
    onRefused: e => refused.push(e.code),
  })
  return { ...created, refused }
}

describe('createComfyHttp', () => {
  it('sends relative URLs to the locked server', async () => {
    const { a, b, seen } = await twoServers()
    const { http: client } = http({ locked: a, servers: [a, b] })
    const response = await client.get('/queue')
    expect(response.data).toEqual({ server: 'a' })
    expect(seen).toEqual([{ server: 'a', line: 'GET /queue', auth: undefined }])
  })

  it('rejects an absolute URL on another server before sending it', async () => {
    const { a, b, seen } = await twoServers()
    const { http: client, refused } = http({ locked: a, servers: [a, b] })
    const error = await client.get(`${b}/history`).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'SERVER_MISMATCH')).toBe(true)
    expect(error).toMatchObject({ lockedServer: a, requestedServer: b, operation: 'GET ' + `${b}/history` })
    expect(seen).toEqual([])
    expect(refused).toEqual(['SERVER_MISMATCH'])
  })

  it('rejects an explicit baseURL of another server, and a host that is not configured at all', async () => {
    const { a, b, seen } = await twoServers()
    const { http: client } = http({ locked: a, servers: [a] })
    await expect(client.get('/prompt', { baseURL: b })).rejects.toMatchObject({ code: 'SERVER_MISMATCH', requestedServer: `${b}/prompt` })
    expect(seen).toEqual([])
  })

  it('checks a task\'s call against the task\'s server even when nothing is locked', async () => {
    const { a, b, seen } = await twoServers()
    const { http: client } = http({ servers: [a, b], tasks: { p1: a } })
    await expect(client.get('/history/p1', { baseURL: b, comfy: { promptId: 'p1', operation: 'GET /history/p1' } }))
      .rejects.toMatchObject({ code: 'SERVER_MISMATCH', lockedServer: a, requestedServer: b, operation: 'GET /history/p1' })
    expect((await client.get('/history/p1', { comfy: { promptId: 'p1' } })).data).toEqual({ server: 'a' })
    expect(seen.map(s => s.server)).toEqual(['a'])
  })

  it('lets any configured server be called when unlocked', async () => {
    const { a, b } = await twoServers()
    const { http: client } = http({ servers: [a, b] })
    expect((await client.get(`${b}/prompt`)).data).toEqual({ server: 'b' })
  })

  it('says what to do when there is no server to send to', async () => {
    const { a } = await twoServers()
    const { http: client } = http({ servers: [a] })
    const error = await client.get('/queue').catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'NO_SERVER_AVAILABLE')).toBe(true)
    expect((error as Error).message).toContain('Submit a task first, or pass baseURL')
  })

  it('sends each server\'s headers to that server only', async () => {
    const { a, b, seen } = await twoServers()
    const { http: client } = http({ servers: [a, b], headers: { [a]: { Authorization: 'Bearer A' }, [b]: { Authorization: 'Bearer B' } } })
    await client.get(`${a}/prompt`)
    await client.get(`${b}/prompt`)
    expect(seen.map(s => [s.server, s.auth])).toEqual([['a', 'Bearer A'], ['b', 'Bearer B']])
  })

  it('refuses to follow a redirect to another host', async () => {
    const target = await startFakeServer((_req, res) => res.writeHead(200).end('{}'))
    cleanups.push(target.close)
    const redirecting = await startFakeServer((_req, res) => res.writeHead(307, { Location: `${target.url}/prompt` }).end())
    cleanups.push(redirecting.close)
    const { http: client } = http({ locked: redirecting.url, servers: [redirecting.url] })
    const error = await client.get('/prompt').catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'PROTOCOL_ERROR')).toBe(true)
    expect((error as Error).message).toContain(target.url)
    expect(target.hits).toEqual([])
  })

  it('sends a call under a nested server with that server\'s credentials, not its parent\'s', async () => {
    const { a, seen } = await twoServers()
    const parent = a
    const nested = `${a}/inner`
    const { http: client } = http({ servers: [parent, nested], headers: { [parent]: { Authorization: 'Bearer parent' }, [nested]: { Authorization: 'Bearer nested' } } })
    await client.get('/inner/prompt', { baseURL: parent })
    await client.get('/prompt', { baseURL: parent })
    expect(seen.map(s => [s.line, s.auth])).toEqual([['GET /inner/prompt', 'Bearer nested'], ['GET /prompt', 'Bearer parent']])
  })

  it('removes its interceptors on dispose', async () => {
    const { a, b } = await twoServers()
    const { http: client, dispose } = http({ locked: a, servers: [a, b] })
    dispose()
    expect((await client.get(`${b}/x`)).data).toEqual({ server: 'b' })
  })
})

// Every trick of aiming a locked client's call at another server, in Node's adapter and in axios's fetch adapter (the
// one browsers use; Node 20 has fetch). Two ComfyUIs sit behind one reverse proxy under /a and /b, a third on its own
// port; the client is locked to /a. A refused call reaches nobody; the other servers' request logs stay empty.
describe.each(['http', 'fetch'] as const)('the URL model in axios\'s %s adapter', (adapter) => {
  async function deployment() {
    const { sims, urls, close } = await startSimulators(3, { speed: 50 })
    cleanups.push(close)
    const proxy = await startPrefixProxy({ '/a': urls[0]!, '/b': urls[1]!, '/ab': urls[1]! })
    cleanups.push(proxy.close)
    const A = `${proxy.url}/a`
    const B = `${proxy.url}/b`
    const C = urls[2]!
    const refused: ComfyTetherError[] = []
    const { http: client } = createComfyHttp({
      config: { adapter },
      lockedServer: () => A,
      taskServer: () => undefined,
      servers: () => [A, B, C],
      headersFor: server => ({ [A]: { Authorization: 'Bearer A' }, [B]: { Authorization: 'Bearer B' }, [C]: { Authorization: 'Bearer C' } })[server],
      onRefused: e => void refused.push(e),
    })
    return { client, refused, A, B, C, proxy: proxy.url, simA: sims[0]!, others: [sims[1]!, sims[2]!] }
  }

  it.each<[string, (d: { proxy: string, C: string }) => AxiosRequestConfig]>([
    ['a scheme-relative URL', ({ C }) => ({ url: C.replace(/^http:/, '') + '/queue' })],
    ['an absolute URL of another server', ({ C }) => ({ url: `${C}/queue` })],
    ['another server in upper case', ({ C }) => ({ url: `${C.toUpperCase()}/queue` })],
    ['dot segments into the sibling prefix', ({ proxy }) => ({ url: `${proxy}/a/../b/queue` })],
    ['percent-encoded dots', ({ proxy }) => ({ url: `${proxy}/a/%2e%2e/b/queue` })],
    ['upper-case percent-encoded dots', ({ proxy }) => ({ url: `${proxy}/a/%2E%2E/b/queue` })],
    ['half-encoded dots', ({ proxy }) => ({ url: `${proxy}/a/.%2e/b/queue` })],
    ['relative dot segments', () => ({ url: '../b/queue' })],
    ['relative dot segments after a slash', () => ({ url: '/../b/queue' })],
    ['relative encoded dots', () => ({ url: '%2e%2e/b/queue' })],
    ['relative backslashes', () => ({ url: '..\\b\\queue' })],
    ['an encoded slash the proxy decodes', () => ({ url: '..%2fb/queue' })],
    ['userinfo naming the locked host in front of another', ({ proxy, C }) => ({ url: `http://${new URL(proxy).host}@${new URL(C).host}/queue` })],
    ['the sibling as baseURL', ({ proxy }) => ({ baseURL: `${proxy}/b`, url: '/queue' })],
    ['a baseURL with dot segments', ({ proxy }) => ({ baseURL: `${proxy}/a/..`, url: '/b/queue' })],
    ['a prefix that only starts like the base', ({ proxy }) => ({ url: `${proxy}/ab/queue` })],
  ])('refuses %s before sending it', async (_, make) => {
    const d = await deployment()
    const error = await d.client.request(make(d)).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'SERVER_MISMATCH') || isComfyTetherError(error, 'INVALID_SERVER_URL'), String(error)).toBe(true)
    expect(d.refused).toHaveLength(1)
    expect(d.simA.requests).toEqual([])
    for (const other of d.others) expect(other.requests).toEqual([])
  })

  it.each<[string, (d: { A: string, C: string }) => AxiosRequestConfig, string]>([
    ['a path', () => ({ url: '/queue' }), '/queue'],
    ['a path without a slash', () => ({ url: 'queue' }), '/queue'],
    ['a dot segment', () => ({ url: './queue' }), '/queue'],
    ['dot segments that stay under the base', () => ({ url: '/x/../queue' }), '/queue'],
    ['an encoded single dot', () => ({ url: '%2e/queue' }), '/queue'],
    ['an absolute URL with allowAbsoluteUrls: false (axios joins it to the base)', ({ A, C }) => ({ baseURL: A, url: `${C}/queue`, allowAbsoluteUrls: false }), '/http:/'],
  ])('sends %s to the locked server, with its token only', async (_, make, path) => {
    const d = await deployment()
    await d.client.request(make(d)).catch(() => {})
    expect(d.refused).toEqual([])
    expect(d.simA.requests.map(r => [r.path.slice(0, path.length), r.headers?.authorization])).toEqual([[path, 'Bearer A']])
    for (const other of d.others) expect(other.requests).toEqual([])
  })

  it('refuses a redirect into the sibling prefix and keeps the Location\'s query out of the message', async () => {
    const target = await startFakeServer((_req, res) => res.writeHead(200).end('{}'))
    cleanups.push(target.close)
    const redirecting = await startFakeServer((_req, res) => res.writeHead(302, { Location: `${target.url}/b/queue?token=leaked-token` }).end())
    cleanups.push(redirecting.close)
    const { http: client } = createComfyHttp({ config: { adapter, fetchOptions: { redirect: 'manual' } }, lockedServer: () => redirecting.url, taskServer: () => undefined, servers: () => [redirecting.url, `${target.url}/b`] })
    const error = await client.get('/prompt').catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'PROTOCOL_ERROR') || isComfyTetherError(error, 'SERVER_MISMATCH'), String(error)).toBe(true)
    expect(JSON.stringify(error)).not.toContain('leaked-token')
    expect((error as Error).message).not.toContain('leaked-token')
    expect(target.hits).toEqual([])
  })
})
