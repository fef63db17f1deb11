import type { ComfySimulator } from '../../src/testing/index'
import { createConnection } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createComfySimulator } from '../../src/testing/index'
import type { Client} from './helpers';
import { connect, getJson, historyOf, postJson, slowWorkflow, submit } from './helpers'
import { sleep, waitFor } from '../helpers/wait'

describe('simulator faults of broken servers and networks', () => {
  const sims: ComfySimulator[] = []
  afterEach(async () => {
    await Promise.all(sims.splice(0).map(s => s.close()))
  })
  async function sim(): Promise<ComfySimulator> {
    const s = await createComfySimulator({ speed: 20 })
    sims.push(s)
    return s
  }

  it('refuseUpgrade(401) refuses the socket with that status while HTTP still answers', async () => {
    const s = await sim()
    s.refuseUpgrade(401)
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${s.wsUrl}/ws?clientId=a`)
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('error', () => {})
    })
    expect(status).toBe(401)
    expect((await fetch(`${s.url}/prompt`)).status).toBe(200)
    s.refuseUpgrade(null)
    const client = await connect(s, 'a')
    client.close()
    expect(() => s.refuseUpgrade(200)).toThrow(/400-599/)
  })

  it('setBlackHole(true) accepts connections and answers nothing', async () => {
    const s = await sim()
    s.setBlackHole(true)
    const received: Buffer[] = []
    const socket = createConnection(s.port, '127.0.0.1')
    socket.on('data', chunk => received.push(chunk))
    await new Promise<void>(resolve => socket.once('connect', () => resolve()))
    socket.write('GET /prompt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await sleep(200)
    expect(received).toEqual([])
    socket.destroy()
    s.setBlackHole(false)
    expect((await fetch(`${s.url}/prompt`)).status).toBe(200)
  })

  it('loseFrames("executed", 1) drops one executed frame; truncate sends its first half', async () => {
    const s = await sim()
    const client = await connect(s, 'c')
    s.loseFrames('executed', 1)
    const first = await submit(s, slowWorkflow({ steps: 1, seconds: 0.1, color: 1 }), 'c')
    await client.waitFor(f => f.type === 'execution_success' && (f.data as { prompt_id: string }).prompt_id === first, 'the first success')
    expect(client.frames.filter(f => f.type === 'executed')).toHaveLength(0)
    s.loseFrames('executed', 1, 'truncate')
    const second = await submit(s, slowWorkflow({ steps: 1, seconds: 0.1, color: 2 }), 'c')
    await client.waitFor(f => f.type === 'execution_success' && (f.data as { prompt_id: string }).prompt_id === second, 'the second success')
    expect(client.frames.filter(f => f.type === 'invalid-json')).toHaveLength(1)
    client.close()
  })

  it('repeatPromptIds(1) answers the next POST /prompt with the previous prompt id; setHistoryWithoutStatus strips status', async () => {
    const s = await sim()
    const a = await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, color: 3 }))
    s.repeatPromptIds(1)
    const b = await postJson(s, '/prompt', { prompt: slowWorkflow({ steps: 1, seconds: 0.05, color: 4 }) })
    expect((b.json as { prompt_id: string }).prompt_id).toBe(a)
    await waitFor(async () => (await historyOf(s, a)) !== undefined, 'the history entry', 3000, 5)
    s.setHistoryWithoutStatus(true)
    const entry = (await getJson(s, `/history/${a}`) as Record<string, Record<string, unknown>>)[a]
    expect(entry && 'status' in entry).toBe(false)
    expect(entry && 'outputs' in entry).toBe(true)
  })

  it('editHistory answers history entries as the edit writes them, Python None as null, until it is given null', async () => {
    const s = await sim()
    const a = await submit(s, slowWorkflow({ steps: 1, seconds: 0.05, color: 5 }))
    await waitFor(async () => (await historyOf(s, a)) !== undefined, 'the history entry', 3000, 5)
    s.editHistory(entry => ({ ...entry, outputs: { ...(entry.outputs as object), 9: null } }))
    const raw = await (await fetch(`${s.url}/history/${a}`)).text()
    expect(raw).toContain('"9": null')
    const all = await getJson(s, '/history') as Record<string, { outputs: Record<string, unknown> }>
    expect(all[a]!.outputs['9']).toBeNull()
    s.editHistory(null)
    const plain = await getJson(s, `/history/${a}`) as Record<string, { outputs: Record<string, unknown> }>
    expect('9' in plain[a]!.outputs).toBe(false)
    expect(() => s.editHistory('x' as never)).toThrow(TypeError)
  })

  it('answers POST /prompt before it broadcasts the status that the prompt causes, as ComfyUI does', async () => {
    const s = await sim()
    const client: Client = await connect(s, 'o')
    const before = client.frames.length
    let statusesAtAnswer = -1
    const res = await fetch(`${s.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: slowWorkflow({ steps: 1, seconds: 0.05 }), client_id: 'o' }) })
    statusesAtAnswer = client.frames.slice(before).filter(f => f.type === 'status').length
    expect(res.status).toBe(200)
    await client.waitFor(f => f.type === 'execution_success', 'the success')
    expect(statusesAtAnswer).toBe(0)
    client.close()
  })
})
