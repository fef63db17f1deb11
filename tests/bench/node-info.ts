// Bench: the node info a submit reads and the cost of its checks.
// 1. Bytes read from the servers before the first `POST /prompt` of a 10-node workflow over 4 servers, each a minimal
//    ComfyUI (node:http + ws) answering with the recorded `/object_info` of a bare ComfyUI 0.33.0 (742,803 bytes) and
//    its per-class entries. Baseline: the whole listing from each server (what the client read before per-class reads).
// 2. The checks of one submit (conversion, capability, validation) on 8 servers against 1, through the workflow checks
//    the client runs (`createServerFit`), each submit with a new fit as in the client.
import type { AddressInfo } from 'node:net'
import type { BenchResult } from './stats'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import WebSocket, { WebSocketServer } from 'ws'
import { fmt, median, now, round, verdictOf } from './stats'

const FULL_TEXT = readFileSync(new URL('../fixtures/comfyui/object-info/v0.33.0-783545f-cpu.json', import.meta.url), 'utf8')
const FULL = JSON.parse(FULL_TEXT) as Record<string, unknown>
const BYTES_TARGET_KB = 100

type Workflow = Record<string, { class_type: string, inputs: Record<string, unknown> }>

/** Ten nodes of a bare ComfyUI 0.33.0 that need no model file. */
function tenNodes(): Workflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0x336699 } },
    2: { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    3: { class_type: 'ImageBlur', inputs: { image: ['2', 0], blur_radius: 1, sigma: 1 } },
    4: { class_type: 'ImageSharpen', inputs: { image: ['3', 0], sharpen_radius: 1, sigma: 1, alpha: 1 } },
    5: { class_type: 'ImageScale', inputs: { image: ['4', 0], upscale_method: 'bilinear', width: 32, height: 32, crop: 'disabled' } },
    6: { class_type: 'ImageQuantize', inputs: { image: ['5', 0], colors: 16, dither: 'none' } },
    7: { class_type: 'ImageFlip', inputs: { image: ['6', 0], flip_method: 'x-axis: vertically' } },
    8: { class_type: 'ImageRotate', inputs: { image: ['7', 0], rotation: '90 degrees' } },
    9: { class_type: 'ImageBlend', inputs: { image1: ['8', 0], image2: ['1', 0], blend_factor: 0.5, blend_mode: 'normal' } },
    10: { class_type: 'SaveImage', inputs: { images: ['9', 0], filename_prefix: 'bench' } },
  }
}

/** A minimal ComfyUI: health, the recorded node info, `POST /prompt` (counted), and a socket that says hello. */
async function minimalComfy(onPrompt: () => void): Promise<{ url: string, bytes: () => number, close: () => Promise<void> }> {
  let bytes = 0
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/api(?=\/)/, '')
    const answer = (body: string): void => {
      bytes += Buffer.byteLength(body)
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end(body)
    }
    if (req.method === 'GET' && path === '/prompt')
      return answer('{"exec_info": {"queue_remaining": 0}}')
    if (req.method === 'GET' && path === '/object_info')
      return answer(FULL_TEXT)
    if (req.method === 'GET' && path.startsWith('/object_info/')) {
      const name = decodeURIComponent(path.slice('/object_info/'.length))
      return answer(Object.hasOwn(FULL, name) ? JSON.stringify({ [name]: FULL[name] }) : '{}')
    }
    if (req.method === 'POST' && path === '/prompt') {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        onPrompt()
        answer(JSON.stringify({ prompt_id: (JSON.parse(body) as { prompt_id?: string }).prompt_id, number: 0, node_errors: {} }))
      })
      return
    }
    res.writeHead(404)
    res.end()
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws, req) => {
    const sid = new URL(req.url ?? '/', 'http://x').searchParams.get('clientId') ?? 'sid'
    ws.send(`{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": "${sid}"}}`)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: async () => {
      for (const client of wss.clients) client.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}

export async function benchNodeInfoBytes(): Promise<BenchResult> {
  const { createComfyClient } = await import('../../src/client/index')
  let prompted: () => void = () => {}
  const firstPrompt = new Promise<void>(resolve => (prompted = resolve))
  let atFirstPrompt: number | undefined
  const servers = await Promise.all(Array.from({ length: 4 }, () => minimalComfy(() => {
    atFirstPrompt ??= servers.reduce((sum, s) => sum + s.bytes(), 0)
    prompted()
  })))
  const client = createComfyClient({ servers: servers.map(s => s.url), affinity: 'task', persist: false, logger: false, WebSocket })
  try {
    const handle = await client.submit(tenNodes())
    handle.result.catch(() => {})
    await firstPrompt
    const measured = atFirstPrompt ?? Number.NaN
    const baseline = FULL_TEXT.length * servers.length
    const kb = measured / 1024
    return {
      id: 'node-info-bytes',
      name: 'node info read before the first prompt (10 nodes, 4 servers)',
      measured: `${fmt(kb, 1)} KB`,
      baseline: `${fmt(baseline / 1024, 1)} KB (the whole /object_info of each)`,
      ratio: round(measured / baseline, 4),
      value: round(kb, 1),
      target: { op: '<=', value: BYTES_TARGET_KB, of: 'value', unit: 'KB' },
      verdict: verdictOf(kb, { op: '<=', value: BYTES_TARGET_KB }),
      details: { bytes: measured, baselineBytes: baseline, servers: servers.length, nodes: 10 },
    }
  }
  finally {
    client.dispose()
    await Promise.all(servers.map(s => s.close()))
  }
}

export async function benchChecksCost(): Promise<BenchResult> {
  const checks = await import('../../src/client/workflow-checks')
  const { apiSource } = await import('../../src/client/workflow-source')
  await (await import('../../src/client/load-workflow-checks')).loadWorkflowChecks()
  const names = Object.keys(tenNodes()).map(id => tenNodes()[id]!.class_type)
  // One shared object per content, as the node-info cache gives equal definitions on every server.
  const info = Object.freeze(Object.fromEntries(names.map(n => [n, FULL[n]]))) as never
  const nodeInfo = { get: async () => info, peek: () => info }
  async function perSubmitMs(serverCount: number, submits: number): Promise<number> {
    const urls = Array.from({ length: serverCount }, (_, i) => `http://127.0.0.1:${9000 + i}`)
    const start = now()
    for (let i = 0; i < submits; i++) {
      const { source } = apiSource({ workflow: tenNodes(), options: {}, filled: null })
      const fit = checks.createServerFit(source, [], nodeInfo)
      const allowed = await fit.check(urls)
      await fit.assertFits([...allowed][0]!)
    }
    return (now() - start) / submits
  }
  await perSubmitMs(8, 200) // warm-up
  const one: number[] = []
  const eight: number[] = []
  for (let round_ = 0; round_ < 7; round_++) {
    one.push(await perSubmitMs(1, 300))
    eight.push(await perSubmitMs(8, 300))
  }
  const ratio = median(eight) / median(one)
  return {
    id: 'checks-cost',
    name: 'checks per submit, 8 servers vs 1 (10-node workflow)',
    measured: `${fmt(median(eight) * 1000, 1)} µs/submit (8 servers)`,
    baseline: `${fmt(median(one) * 1000, 1)} µs/submit (1 server)`,
    ratio: round(ratio),
    target: { op: '<=', value: 1.5 },
    verdict: verdictOf(ratio, { op: '<=', value: 1.5 }),
    details: { oneMs: one, eightMs: eight },
    notes: ['includes what a submit builds besides validation (source, fit); the validation itself runs once per distinct node info'],
  }
}
