import type { MaybeRefOrGetter, ShallowRef } from 'vue'
import { useWebSocket } from '@vueuse/core'
import { shallowRef, watch } from 'vue'
import type { ComfySocketState } from '../client/types'
import { shouldRefreshLastFrame } from '../client/types'

export type { ComfySocketState } from '../client/types'

/** Options of {@link useComfySocket}. */
export interface UseComfySocketOptions {
  /** May it reconnect after a close? Read at each close. */
  shouldReconnect: () => boolean
  /** Delay before attempt `n` (1-based). */
  delay: (attempt: number) => number
  onOpen: (ws: WebSocket) => void
  /** `wasOpen` is false when the socket closed without ever opening (refused upgrade, nothing listening). */
  onClose: (event: CloseEvent, wasOpen: boolean) => void
  onFrame: (data: unknown) => void
}

/**
 * The ComfyUI socket: vueuse's `useWebSocket` on a URL getter that is `undefined` while nothing is locked. Only the
 * current socket's events count (frames of a replaced socket are ignored), heartbeats are off (ComfyUI never
 * answers them) and binary frames arrive as ArrayBuffers.
 */
export function useComfySocket(url: MaybeRefOrGetter<string | undefined>, options: UseComfySocketOptions): {
  state: ShallowRef<ComfySocketState>
  ws: ShallowRef<WebSocket | undefined>
  /** Closes the current socket so that it reconnects (to the same URL) after the backoff delay. */
  reconnect: () => void
  /** Opens the socket again after reconnects gave up (a closed socket stays closed otherwise). */
  open: () => void
} {
  const opened = new WeakSet<WebSocket>()
  const state = shallowRef<ComfySocketState>({ status: 'CLOSED', attempts: 0, lastMessageAt: null, openedAt: null, lastCloseCode: null })
  const patch = (next: Partial<ComfySocketState>): void => {
    state.value = { ...state.value, ...next }
  }

  const socket = useWebSocket(url, {
    heartbeat: false,
    autoReconnect: {
      retries: () => options.shouldReconnect(),
      delay: (attempt: number) => {
        patch({ attempts: attempt })
        return options.delay(attempt)
      },
    },
    onConnected(ws) {
      if (socket && socket.ws.value !== ws)
        return
      ws.binaryType = 'arraybuffer'
      opened.add(ws)
      patch({ status: 'OPEN', openedAt: Date.now(), attempts: 0 })
      options.onOpen(ws)
    },
    onDisconnected(ws, event) {
      if (socket.ws.value !== undefined && socket.ws.value !== ws)
        return
      patch({ status: 'CLOSED', lastCloseCode: event.code })
      options.onClose(event, opened.has(ws))
    },
    onMessage(ws, event) {
      if (socket.ws.value !== ws)
        return
      const at = Date.now()
      if (shouldRefreshLastFrame(state.value, at))
        patch({ lastMessageAt: at })
      options.onFrame(event.data)
    },
  })

  // vueuse reports CONNECTING itself; mirror it so `state` is the one place to look. Immediate: with a URL known at
  // creation, vueuse is already connecting, and a `state` still reading CLOSED would make `open()` replace that socket.
  watch(socket.status, (status) => {
    if (status !== state.value.status)
      patch({ status })
  }, { flush: 'sync', immediate: true })

  return {
    state,
    ws: socket.ws,
    reconnect() {
      // Not vueuse's close(): that marks the socket explicitly closed and stops reconnects. Closing the raw socket
      // lets onclose schedule a reconnect only after this socket is gone, so two sockets of one clientId never overlap.
      socket.ws.value?.close(4000, 'comfy-tether: reconnecting a silent socket')
    },
    open() {
      // vueuse's open() closes the current socket first: never do that to one that is connecting or open, or the
      // server may register the new socket before it cleans up the old one of the same clientId (then the new is deaf).
      if (socket.status.value === 'CLOSED')
        socket.open()
    },
  }
}
