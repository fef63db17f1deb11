// The duplicate-tab guard, a chunk of its own that a client loads in the background when it is created (see
// `createClientIdGuard` in persistence.ts).
import type { Timers } from '../core/timers'
import type { ClientIdGuard } from './persistence'
import { defaultTimers } from '../core/timers'

type ClaimMessage = { kind: 'who-has', clientId: string, nonce: string } | { kind: 'taken', clientId: string, nonce: string }

/**
 * Detects a duplicated tab: the browser copies sessionStorage into it, clientId included, and two sockets with one
 * clientId break a real ComfyUI. A tab asks on a BroadcastChannel whether a live tab already owns its restored
 * clientId; the owner answers. Returns a handle that answers such questions for our own id, and `stop()`.
 */
export function startClientIdGuard(channelName: string, currentClientId: () => string, timers: Pick<Timers, 'setTimeout' | 'clearTimeout'> = defaultTimers): ClientIdGuard {
  if (typeof BroadcastChannel === 'undefined')
    return { isTaken: async () => false, stop: () => {} }
  const channel = new BroadcastChannel(channelName)
  const waiting = new Map<string, (taken: boolean) => void>()
  channel.onmessage = (event: MessageEvent<ClaimMessage>) => {
    const message = event.data
    if (message?.kind === 'who-has' && message.clientId === currentClientId())
      channel.postMessage({ kind: 'taken', clientId: message.clientId, nonce: message.nonce } satisfies ClaimMessage)
    else if (message?.kind === 'taken')
      waiting.get(message.nonce)?.(true)
  }
  let stopped = false
  return {
    isTaken(clientId, waitMs) {
      if (stopped)
        return Promise.resolve(false)
      const nonce = Math.random().toString(36).slice(2)
      return new Promise((resolve) => {
        const settle = (taken: boolean): void => {
          timers.clearTimeout(timer)
          waiting.delete(nonce)
          resolve(taken)
        }
        const timer = timers.setTimeout(() => settle(false), waitMs)
        waiting.set(nonce, settle)
        channel.postMessage({ kind: 'who-has', clientId, nonce } satisfies ClaimMessage)
      })
    },
    stop() {
      stopped = true
      for (const settle of [...waiting.values()]) settle(false)
      channel.close()
    },
  }
}
