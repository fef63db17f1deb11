// The follow sockets of resumed prompts: a chunk loaded with the first of them (see follow-sockets.ts).
import type { Engine } from './engine'
import type { FollowSocketsContext } from './follow-sockets'
import type { ComfySocket } from './socket'
import { backoffDelay } from '../core/backoff'
import { serverWsUrl } from '../core/server-url'
import { isTerminal } from '../core/task-state'
import { queryCredentialOf } from './resolve-options'

/**
 * Second sockets for resumed prompts sent under another clientId: ComfyUI sends a prompt's progress frames only to the
 * socket of the clientId it was sent with, so a prompt followed with `resume()` gets a socket of that id, to its own
 * server only, for as long as the task is pending. It closes when the task ends, when it is abandoned, and on dispose.
 * (A socket of that id replaces the sender's on the server: it is opened only for a prompt whose sender is gone.)
 */
export function startFollowSockets(engine: Engine, ctx: FollowSocketsContext) {
  const { state, options } = engine
  /** Per prompt id: the socket following it. */
  const follows = new Map<string, { server: string, clientId: string, socket: ComfySocket }>()
  let stopWatching: (() => void) | undefined

  const pending = (promptId: string, server: string): boolean => {
    const task = engine.cache.snapshot(promptId)
    return !!task && task.server === server && !isTerminal(task.state) && !engine.isDisposed()
  }

  function follow(server: string, promptId: string, clientId: string): void {
    if (clientId === state.clientId || follows.has(promptId) || !pending(promptId, server))
      return
    const credential = queryCredentialOf(options.servers.find(s => s.url === server))
    const socket = ctx.socket({
      url: () => (pending(promptId, server) ? serverWsUrl(server, clientId, credential) : undefined),
      shouldReconnect: () => options.reconnect !== false && pending(promptId, server) && socket.state.attempts < options.reconnect.retries,
      delay: attempt => (options.reconnect === false ? 0 : backoffDelay(attempt, options.reconnect)),
      onOpen(ws) {
        ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }))
        state.record('socket-open', `socket open to ${server} with clientId ${clientId}, the one resumed prompt ${promptId} was sent with: its progress frames come here`, { server, promptId })
      },
      onClose: () => {},
      onFrame: data => ctx.onFrame(server, data),
      onState: () => {},
    })
    follows.set(promptId, { server, clientId, socket })
    stopWatching ??= engine.onChange(sweep)
    socket.open()
  }

  /** Closes the sockets of prompts no longer pending. */
  function sweep(): void {
    for (const [promptId, f] of follows) {
      if (pending(promptId, f.server))
        continue
      follows.delete(promptId)
      f.socket.dispose()
    }
    if (follows.size === 0) {
      stopWatching?.()
      stopWatching = undefined
    }
  }

  return {
    follow,
    /** How many follow sockets are open or opening (for tests and debugging). */
    get size() {
      return follows.size
    },
    dispose(): void {
      for (const f of follows.values()) f.socket.dispose()
      follows.clear()
      stopWatching?.()
      stopWatching = undefined
    },
  }
}
