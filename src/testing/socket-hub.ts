import type { WebSocket } from 'ws'
import type { SimulatorVersion } from './types'
import { randomUUID } from 'node:crypto'
import { pyJson } from './py-json'

/** What `GET /features` answers and the `feature_flags` reply carries (0.33.0). */
export const SERVER_FEATURES = {
  supports_preview_metadata: true,
  supports_model_type_tags: true,
  max_upload_size: 104857600,
  extension: { manager: { supports_v4: true } },
  node_replacements: true,
  assets: false,
} as const

export interface SocketHubHooks {
  version: SimulatorVersion
  queueRemaining: () => number
  /** ComfyUI's `server.client_id` and `server.last_node_id`. */
  executing: () => { clientId: unknown, lastNodeId: string | null }
  onOpen: (ws: WebSocket, sid: string) => void
  onClose: (ws: WebSocket, sid: string) => void
  /** What to send for a text frame of `type` (`null`: nothing), for injected frame losses. */
  frame?: (type: string, payload: string) => string | null
}

/**
 * ComfyUI's socket table (`server.sockets`): one socket per sid, the newest wins, and a closing socket removes its
 * sid whichever socket holds it now (the overlapping-socket bug of both recorded versions).
 */
export class SocketHub {
  readonly #table = new Map<string, WebSocket>()
  readonly #flags = new Map<string, Record<string, unknown>>()
  readonly #all = new Set<WebSocket>()
  silent = false
  /** Frames held back while an HTTP answer is being written (see {@link SocketHub.hold}). */
  #held: { payload: string | Buffer, sid: unknown, force: boolean }[] | null = null

  constructor(readonly hooks: SocketHubHooks) {}

  /** Sids in the table. */
  get clients(): string[] {
    return [...this.#table.keys()]
  }

  /** Every open socket, replaced ones included. */
  get sockets(): ReadonlySet<WebSocket> {
    return this.#all
  }

  socketOf(sid: string): WebSocket | undefined {
    return this.#table.get(sid)
  }

  accept(ws: WebSocket, clientId: string): void {
    let sid = clientId
    if (sid)
      this.#table.delete(sid)
    else
      sid = randomUUID().replaceAll('-', '')
    this.#table.set(sid, ws)
    this.#flags.set(sid, {})
    this.#all.add(ws)
    ws.on('error', () => {})
    ws.on('close', () => {
      this.#all.delete(ws)
      this.#table.delete(sid)
      this.#flags.delete(sid)
      this.hooks.onClose(ws, sid)
    })
    let first = true
    ws.on('message', (data, isBinary) => {
      if (isBinary)
        return
      let message: unknown
      try {
        message = JSON.parse(String(data))
      }
      catch {
        return
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message))
        return
      const { type, data: flags } = message as { type?: unknown, data?: unknown }
      if (first && type === 'feature_flags' && this.hooks.version !== '0.3.44' && this.#flags.has(sid)) {
        this.#flags.set(sid, typeof flags === 'object' && flags !== null ? flags as Record<string, unknown> : {})
        this.send('feature_flags', SERVER_FEATURES, sid)
      }
      first = false
    })
    this.hooks.onOpen(ws, sid)
    this.send('status', { status: { exec_info: { queue_remaining: this.hooks.queueRemaining() } }, sid }, sid)
    const { clientId: running, lastNodeId } = this.hooks.executing()
    if (running === sid && lastNodeId !== null)
      this.send('executing', { node: lastNodeId }, sid)
  }

  /** Did `sid` send `feature_flags` with `supports_preview_metadata: true` as its first message? */
  supportsPreviewMetadata(sid: unknown): boolean {
    return this.hooks.version !== '0.3.44' && typeof sid === 'string' && this.#flags.get(sid)?.supports_preview_metadata === true
  }

  /** `send_sync(event, data, sid)`: to one sid (dropped if not in the table), or to all when `sid` is null. */
  send(type: string, data: unknown, sid: unknown): void {
    const payload = this.hooks.frame ? this.hooks.frame(type, pyJson({ type, data })) : pyJson({ type, data })
    if (payload !== null)
      this.#deliver(payload, sid)
  }

  /**
   * Holds back every frame until `release()`: ComfyUI's `send_sync` only queues a message for its socket loop, so
   * the HTTP answer of the request that caused it (`POST /prompt`, `POST /queue`) is written first.
   */
  hold(): () => void {
    if (this.#held)
      return () => {}
    const held: { payload: string | Buffer, sid: unknown, force: boolean }[] = []
    this.#held = held
    return () => {
      if (this.#held === held)
        this.#held = null
      for (const frame of held) this.#deliver(frame.payload, frame.sid, frame.force)
    }
  }

  sendBinary(frame: Buffer, sid: unknown): void {
    this.#deliver(frame, sid)
  }

  /** Send even when silent (for injected malformed frames). */
  sendRaw(payload: string | Buffer, sid?: string): void {
    this.#deliver(payload, sid ?? null, true)
  }

  /** Terminate every socket (1006 on the client), or close it with `code`. */
  dropAll(code?: number): void {
    for (const ws of [...this.#all]) {
      if (code === undefined || code === 1006)
        ws.terminate()
      else
        ws.close(code)
    }
  }

  #deliver(payload: string | Buffer, sid: unknown, force = false): void {
    if (this.silent && !force)
      return
    if (this.#held) {
      this.#held.push({ payload, sid, force })
      return
    }
    const targets = sid === null || sid === undefined ? [...this.#table.values()] : [this.#table.get(sid as string)]
    for (const ws of targets) {
      if (ws && ws.readyState === ws.OPEN)
        ws.send(payload, { binary: typeof payload !== 'string' })
    }
  }
}
