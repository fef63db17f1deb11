import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { createComfyHttp } from '../../src/http/create-comfy-http'
import { startFakeServer } from '../helpers/fake-server'

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

  it('removes its interceptors on dispose', async () => {
    const { a, b } = await twoServers()
    const { http: client, dispose } = http({ locked: a, servers: [a, b] })
    dispose()
    expect((await client.get(`${b}/x`)).data).toEqual({ server: 'b' })
  })
})
