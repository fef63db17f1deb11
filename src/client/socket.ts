import type { Timers } from '../core/timers'
import type { ComfySocketState } from './types'
import { InvalidArgumentError } from '../core/errors'
import { createTimerGroup, defaultTimers } from '../core/timers'
import { shouldRefreshLastFrame } from './types'

/**
 * The part of a WebSocket the client uses: the browser's `WebSocket`, the `ws` package's (Node), or any object with
 * the same interface.
 */
export interface ComfyWebSocket {
  readonly url: string
  /** 0 connecting, 1 open, 2 closing, 3 closed (as in the browser). */
  readonly readyState: number
  /** Set to `'arraybuffer'`: binary frames (previews) arrive as ArrayBuffers. */
  binaryType: string
  send: (data: string) => void
  close: (code?: number, reason?: string) => void
  addEventListener: {
    (type: 'open' | 'error', listener: () => void): void
    (type: 'close', listener: (event: { code: number }) => void, options?: { once?: boolean }): void
    (type: 'message', listener: (event: { data: unknown }) => void): void
  }
}

/** A WebSocket class with the browser's interface: `new WebSocket(url)`. */
export type ComfyWebSocketConstructor = new (url: string) => ComfyWebSocket

/** What a socket factory is given: the URL and what to do on each event. */
export interface ComfySocketOptions {
  /** The URL to connect to, read again on `urlChanged()`; `undefined` while the socket must not be open. */
  url: () => string | undefined
  /** May it reconnect after a close? Read at each close. */
  shouldReconnect: () => boolean
  /** Delay before reconnect attempt `n` (1-based). */
  delay: (attempt: number) => number
  onOpen: (ws: ComfyWebSocket) => void
  /** `wasOpen` is false when the socket closed without ever opening (refused upgrade, nothing listening). */
  onClose: (event: { code: number }, wasOpen: boolean) => void
  /** A frame arrived at `at` (the socket's clock, the client's timers): read once per frame and passed on. */
  onFrame: (data: unknown, at?: number) => void
  /** The socket's state changed (status, attempts, last frame). */
  onState: (state: ComfySocketState) => void
}

/** One server's socket, as the client drives it. Only the current socket's events count. */
export interface ComfySocket {
  readonly state: ComfySocketState
  /** The current WebSocket, if any. */
  readonly ws: ComfyWebSocket | undefined
  /** The URL getter may give another value now (e.g. `undefined` → the URL): connect or disconnect accordingly. */
  urlChanged: () => void
  /** Closes the current socket so that it reconnects (to the same URL) after the backoff delay. */
  reconnect: () => void
  /** Opens the socket again after reconnects gave up. */
  open: () => void
  /** Closes the socket for good and stops every timer. */
  dispose: () => void
}

/**
 * Creates the sockets of the client. The default one opens a `WebSocket` (the constructor given, else the global
 * one); the Vue layer passes one built on vueuse's `useWebSocket`.
 */
export type ComfySocketFactory = (options: ComfySocketOptions) => ComfySocket

/** Why a client cannot open sockets here. */
export const NO_WEBSOCKET = 'There is no global WebSocket here (Node 20): pass one, e.g. createComfyClient({ servers, WebSocket }) with `import WebSocket from \'ws\'`, or a `socket` factory.'

/** Close code of our own reconnect of a silent socket. */
export const RECONNECT_CLOSE_CODE = 4000

/** A socket factory over a WebSocket constructor: reconnects with the given backoff while `shouldReconnect()` holds. */
export function webSocketFactory(WebSocketClass: ComfyWebSocketConstructor | undefined, timers: Timers = defaultTimers): ComfySocketFactory {
  return (options) => {
    const Ctor = WebSocketClass ?? (globalThis as { WebSocket?: ComfyWebSocketConstructor }).WebSocket
    if (!Ctor)
      throw new InvalidArgumentError('INVALID_OPTIONS', NO_WEBSOCKET)
    return createPlainSocket(Ctor, options, timers)
  }
}

function createPlainSocket(Ctor: ComfyWebSocketConstructor, options: ComfySocketOptions, timers: Timers): ComfySocket {
  const group = createTimerGroup(timers)
  let state: ComfySocketState = { status: 'CLOSED', attempts: 0, lastMessageAt: null, openedAt: null, lastCloseCode: null }
  let current: ComfyWebSocket | undefined
  let currentUrl: string | undefined
  let explicitlyClosed = false
  let retried = 0
  let cancelRetry: (() => void) | undefined
  let disposed = false

  const patch = (next: Partial<ComfySocketState>): void => {
    state = { ...state, ...next }
    options.onState(state)
  }

  function connect(): void {
    cancelRetry?.()
    cancelRetry = undefined
    const url = options.url()
    currentUrl = url
    if (disposed || explicitlyClosed || url === undefined)
      return
    const ws = new Ctor(url)
    current = ws
    let opened = false
    patch({ status: 'CONNECTING' })
    ws.addEventListener('open', () => {
      if (current !== ws)
        return
      opened = true
      retried = 0
      ws.binaryType = 'arraybuffer'
      patch({ status: 'OPEN', openedAt: timers.now(), attempts: 0 })
      options.onOpen(ws)
    })
    // A failed connection is reported by its close event; an unheard error would crash Node (the `ws` package).
    ws.addEventListener('error', () => {})
    ws.addEventListener('message', (event) => {
      if (current !== ws)
        return
      const at = timers.now()
      if (shouldRefreshLastFrame(state, at))
        patch({ lastMessageAt: at })
      options.onFrame(event.data, at)
    })
    ws.addEventListener('close', (event) => {
      if (current !== undefined && current !== ws)
        return
      current = undefined
      patch({ status: 'CLOSED', lastCloseCode: event.code })
      options.onClose(event, opened)
      if (!explicitlyClosed && !disposed && options.shouldReconnect()) {
        retried++
        patch({ attempts: retried })
        cancelRetry = group.after(options.delay(retried), connect)
      }
    })
  }

  function closeCurrent(): void {
    cancelRetry?.()
    cancelRetry = undefined
    const ws = current
    if (!ws)
      return
    current = undefined
    explicitlyClosed = true
    ws.close(1000)
    patch({ status: 'CLOSED' })
  }

  function open(): void {
    closeCurrent()
    explicitlyClosed = false
    retried = 0
    connect()
  }

  open()
  return {
    get state() {
      return state
    },
    get ws() {
      return current
    },
    urlChanged() {
      if (options.url() !== currentUrl)
        open()
    },
    reconnect() {
      // Closing the raw socket lets its close event schedule the reconnect, so two sockets of one clientId never overlap.
      current?.close(RECONNECT_CLOSE_CODE, 'comfy-tether: reconnecting a silent socket')
    },
    open() {
      if (state.status === 'CLOSED')
        open()
    },
    dispose() {
      closeCurrent()
      disposed = true
      group.clearAll()
    },
  }
}
