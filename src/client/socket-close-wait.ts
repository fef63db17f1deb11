// A released tether's socket still closing: a new socket of the same clientId to that server waits for it (see
// tethers.ts). Only a real tether has a socket, so this is in the background chunk (background.ts) with it.
import type { ComfyWebSocket } from './socket'

/** The longest a new socket waits for the previous one to the same server to close. */
const SOCKET_CLOSE_WAIT_MS = 2000

/** Keeps in `closing`, until `ws` closes (or for at most {@link SOCKET_CLOSE_WAIT_MS}), the wait for it. */
export function noteClosingSocket(closing: Map<string, Promise<void>>, server: string, ws: ComfyWebSocket, after: (ms: number, callback: () => void) => unknown): void {
  const closed = new Promise<void>((resolve) => {
    ws.addEventListener('close', () => resolve(), { once: true })
    after(SOCKET_CLOSE_WAIT_MS, resolve)
  })
  closing.set(server, closed)
  void closed.then(() => {
    if (closing.get(server) === closed)
      closing.delete(server)
  })
}
