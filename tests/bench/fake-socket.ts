// A WebSocket with the browser's interface and no network, for the frame benches: `deliver(data)` hands a frame to
// the listeners as the browser would after receiving it (`onmessage` and `addEventListener('message')`), so each
// client's own handler runs on exactly what a socket gives it. The event is a plain `{ type, data }` object, not a
// DOM MessageEvent: building one in Node costs more than parsing the frame, which a browser does natively.

type Listener = (event: { type: string, data?: unknown, code?: number, reason?: string, wasClean?: boolean }) => void

export class FakeWebSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  /** Every socket made since the last {@link FakeWebSocket.reset}, newest last. */
  static instances: FakeWebSocket[] = []

  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3
  readonly url: string
  readyState = 0
  binaryType = 'blob'
  protocol = ''
  extensions = ''
  bufferedAmount = 0
  onopen: Listener | null = null
  onmessage: Listener | null = null
  onclose: Listener | null = null
  onerror: Listener | null = null
  readonly sent: unknown[] = []
  readonly #listeners = new Map<string, Set<Listener>>()

  constructor(url: string | URL) {
    this.url = String(url)
    FakeWebSocket.instances.push(this)
    setTimeout(() => {
      if (this.readyState !== 0)
        return
      this.readyState = 1
      this.#emit({ type: 'open' })
    }, 0)
  }

  static reset(): void {
    FakeWebSocket.instances = []
  }

  send(data: unknown): void {
    this.sent.push(data)
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2)
      return
    this.readyState = 2
    setTimeout(() => {
      this.readyState = 3
      this.#emit({ type: 'close', code, reason, wasClean: true })
    }, 0)
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.#listeners.get(type)
    if (!set)
      this.#listeners.set(type, set = new Set())
    set.add(listener)
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener)
  }

  /** A frame arrives. */
  deliver(data: unknown): void {
    this.#emit({ type: 'message', data })
  }

  #emit(event: Parameters<Listener>[0]): void {
    const property = event.type === 'open' ? this.onopen : event.type === 'message' ? this.onmessage : event.type === 'close' ? this.onclose : this.onerror
    property?.call(this, event)
    const set = this.#listeners.get(event.type)
    if (set) {
      for (const listener of set) listener.call(this, event)
    }
  }
}
