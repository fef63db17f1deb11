// The socket wrapper over vueuse's useWebSocket, against a real simulator socket. A socket that is connecting must
// never be replaced by a second one of the same clientId: in a browser the first one's close can reach the server
// after the second registered, and the server then drops the second (it gets no progress frames).
import type { EffectScope } from 'vue'
import { afterEach, describe, expect, it } from 'vitest'
import { effectScope } from 'vue'
import { startSimulators } from '../../src/testing/index'
import { useComfySocket } from '../../src/vue/use-comfy-socket'
import { waitFor } from '../helpers/wait'

let scope: EffectScope | undefined
let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  scope?.stop()
  scope = undefined
  await closeSims?.()
  closeSims = undefined
})

function openSocket(url: string): ReturnType<typeof useComfySocket> {
  scope = effectScope()
  const socket = scope.run(() => useComfySocket(url, { shouldReconnect: () => false, delay: () => 10, onOpen: () => {}, onClose: () => {}, onFrame: () => {} }))
  if (!socket)
    throw new Error('the scope did not run')
  return socket
}

describe('useComfySocket', () => {
  it('reads CONNECTING from the start when its URL is known, and open() then keeps that socket', async () => {
    const { sims, close } = await startSimulators(1)
    closeSims = close
    const sim = sims[0]!
    const socket = openSocket(`${sim.url.replace(/^http/, 'ws')}/ws?clientId=one-socket`)
    expect(socket.state.value.status).toBe('CONNECTING')
    const first = socket.ws.value
    socket.open() // what a tether's ensureSocket() does when a submit waits for the socket
    expect(socket.ws.value).toBe(first)
    await waitFor(() => socket.state.value.status === 'OPEN', 'the socket to open')
    expect(socket.ws.value).toBe(first)
    expect(sim.requests.filter(r => r.kind === 'ws-open').length).toBe(1)
  })
})
