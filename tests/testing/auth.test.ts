// The simulator's opt-in auth mode: a token-protected ComfyUI behind an auth proxy. Without the token (by header or
// by query parameter) every route and the socket upgrade answer 401; CORS preflights pass (browsers send no
// credentials with them).
import type { ComfySimulator } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createComfySimulator } from '../../src/testing/index'

const sims: ComfySimulator[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function sim(auth: { token: string, query?: string | false, header?: boolean }): Promise<ComfySimulator> {
  const s = await createComfySimulator({ auth })
  sims.push(s)
  return s
}

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url)
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('error', () => {})
  })
}

describe('simulator auth mode', () => {
  it('answers 401 without the token and serves it by header or by query parameter', async () => {
    const s = await sim({ token: 'sim-token-1', query: 'token' })
    expect((await fetch(`${s.url}/prompt`)).status).toBe(401)
    expect((await fetch(`${s.url}/prompt`, { headers: { Authorization: 'Bearer wrong-token' } })).status).toBe(401)
    expect((await fetch(`${s.url}/prompt?token=wrong-token`)).status).toBe(401)
    expect((await fetch(`${s.url}/prompt`, { headers: { Authorization: 'Bearer sim-token-1' } })).status).toBe(200)
    expect((await fetch(`${s.url}/api/prompt?token=sim-token-1`)).status).toBe(200)
    expect((await fetch(`${s.url}/prompt`, { method: 'OPTIONS', headers: { 'Origin': 'http://app', 'Access-Control-Request-Method': 'GET' } })).status).toBe(200)
    expect(s.requests.filter(r => r.method === 'GET').map(r => r.status)).toEqual([401, 401, 401, 200, 200])
  })

  it('refuses the socket upgrade with 401 unless the query carries the token', async () => {
    const s = await sim({ token: 'sim-token-2', query: 'token' })
    expect(await upgradeStatus(`${s.wsUrl}/ws?clientId=a`)).toBe(401)
    expect(await upgradeStatus(`${s.wsUrl}/ws?clientId=a&token=nope`)).toBe(401)
    expect(await upgradeStatus(`${s.wsUrl}/ws?clientId=a&token=sim-token-2`)).toBe(101)
    expect(s.requests.filter(r => r.kind === 'ws-open')).toHaveLength(1)
  })

  it('accepts headers only when the query is turned off', async () => {
    const s = await sim({ token: 'sim-token-3', query: false })
    expect((await fetch(`${s.url}/prompt?token=sim-token-3`)).status).toBe(401)
    expect((await fetch(`${s.url}/prompt`, { headers: { Authorization: 'Bearer sim-token-3' } })).status).toBe(200)
  })
})
