import type { ComfySimulator } from '../../src/testing/index'
import { WebSocket } from 'ws'
import { decodeBinaryFrame } from '../../src/testing/index'

export interface Frame {
  /** Message type, `binary:<event>` for binary frames, or `closed`. */
  type: string
  data?: unknown
  raw: Buffer | string
  code?: number
}

/** A real `ws` client that records every frame. */
export class Client {
  readonly frames: Frame[] = []
  readonly ws: WebSocket
  readonly #waiters = new Set<() => void>()

  constructor(url: string) {
    this.ws = new WebSocket(url)
    this.ws.on('error', () => {})
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const decoded = decodeBinaryFrame(data)
        this.#push({ type: `binary:${decoded.event}`, data: decoded, raw: data })
        return
      }
      const text = String(data)
      try {
        const json = JSON.parse(text) as { type: string, data?: unknown }
        this.#push({ type: json.type, data: json.data, raw: text })
      }
      catch {
        this.#push({ type: 'invalid-json', raw: text })
      }
    })
    this.ws.on('close', (code: number) => this.#push({ type: 'closed', raw: '', code }))
  }

  #push(frame: Frame): void {
    this.frames.push(frame)
    for (const w of [...this.#waiters])
      w()
  }

  get types(): string[] {
    return this.frames.map(f => f.type)
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN)
        resolve()
      this.ws.once('open', () => resolve())
      this.ws.once('close', () => reject(new Error('socket closed before it opened')))
    })
  }

  /** Wait until a frame matches `predicate`; returns it. */
  waitFor(predicate: (f: Frame) => boolean, what: string, timeoutMs = 3000): Promise<Frame> {
    const found = this.frames.find(predicate)
    if (found)
      return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const f = this.frames.find(predicate)
        if (f) {
          clearTimeout(timer)
          this.#waiters.delete(check)
          resolve(f)
        }
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`timed out waiting for ${what}; got [${this.types.join(', ')}]`))
      }, timeoutMs)
      this.#waiters.add(check)
    })
  }

  send(value: unknown): void {
    this.ws.send(JSON.stringify(value))
  }

  close(): void {
    this.ws.close()
  }
}

export async function connect(sim: ComfySimulator, clientId?: string, path = '/ws'): Promise<Client> {
  const client = new Client(`${sim.wsUrl}${path}${clientId ? `?clientId=${clientId}` : ''}`)
  await client.opened()
  await client.waitFor(f => f.type === 'status', 'the connect status')
  return client
}

export async function postJson(sim: ComfySimulator, path: string, body: unknown): Promise<{ status: number, json: unknown, text: string, headers: Headers }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  }
  catch {}
  return { status: res.status, json, text, headers: res.headers }
}

export async function getJson(sim: ComfySimulator, path: string): Promise<unknown> {
  return (await fetch(`${sim.url}${path}`)).json()
}

export async function upload(sim: ComfySimulator, name: string, bytes: Uint8Array, fields: Record<string, string> = {}): Promise<{ status: number, json: unknown }> {
  const form = new FormData()
  form.append('image', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name)
  for (const [k, v] of Object.entries(fields))
    form.append(k, v)
  const res = await fetch(`${sim.url}/upload/image`, { method: 'POST', body: form })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : undefined }
}

/** EmptyImage -> [TestSlowProgress] -> SaveImage. */
export function slowWorkflow(options: { steps?: number, seconds?: number, preview?: boolean, text?: boolean, prefix?: string, color?: number } = {}): Record<string, unknown> {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color: options.color ?? 0x123456 } },
    2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: options.steps ?? 4, seconds: options.seconds ?? 1, preview: options.preview ?? false, progress_text: options.text ?? false } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: options.prefix ?? 'test' } },
  }
}

export async function submit(sim: ComfySimulator, prompt: Record<string, unknown>, clientId?: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await postJson(sim, '/prompt', { prompt, ...(clientId ? { client_id: clientId } : {}), ...extra })
  if (res.status !== 200)
    throw new Error(`POST /prompt answered ${res.status}: ${res.text}`)
  return (res.json as { prompt_id: string }).prompt_id
}

export async function historyOf(sim: ComfySimulator, id: string): Promise<Record<string, unknown> | undefined> {
  return ((await getJson(sim, `/history/${id}`)) as Record<string, Record<string, unknown>>)[id]
}
