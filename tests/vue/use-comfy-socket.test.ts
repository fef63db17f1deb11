// The socket wrapper over vueuse's useWebSocket, against a real simulator socket. A socket that is connecting must
// never be replaced by a second one of the same clientId: in a browser the first one's close can reach the server
// after the second registered, and the server then drops the second (it gets no progress frames).
// The Vue layer's socket factory: the socket itself is a chunk that loads in the background from the client's
// creation. A socket a tether asks for before that chunk is there still connects, once it loads, and its state reaches
// the tether as any socket's does; one disposed before that never connects.
import type { EffectScope } from 'vue'
import type { ComfySocketOptions } from '../../src/client/socket'
import type { ComfySocketState } from '../../src/client/types'
import type { vueSocketFactory as VueSocketFactory } from '../../src/vue/vue-socket'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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

function optionsFor(url: string, states: ComfySocketState['status'][]): ComfySocketOptions {
  return { url: () => url, shouldReconnect: () => false, delay: () => 10, onOpen: () => {}, onClose: () => {}, onFrame: () => {}, onState: state => void states.push(state.status) }
}

describe('vueSocketFactory', () => {
  let vueSocketFactory: typeof VueSocketFactory
  // A fresh module per test: its socket chunk not loaded yet, as in a page that just created its client.
  beforeEach(async () => {
    vi.resetModules()
    ;({ vueSocketFactory } = await import('../../src/vue/vue-socket'))
  })

  it('connects a socket asked for as the client is created, and reports its state to the tether', async () => {
    const { sims, close } = await startSimulators(1)
    closeSims = close
    const sim = sims[0]!
    scope = effectScope(true)
    const states: ComfySocketState['status'][] = []
    const socket = vueSocketFactory(scope)(optionsFor(`${sim.url.replace(/^http/, 'ws')}/ws?clientId=early-socket`, states))
    await waitFor(() => socket.state.status === 'OPEN', 'the socket to open')
    expect(states).toContain('OPEN')
    expect(socket.ws?.readyState).toBe(1)
    expect(sim.requests.filter(r => r.kind === 'ws-open').length).toBe(1)
    // A second socket of the same factory, asked for once the chunk is there, is the real one at once.
    const second = vueSocketFactory(scope)(optionsFor(`${sim.url.replace(/^http/, 'ws')}/ws?clientId=later-socket`, []))
    expect(second.state.status).toBe('CONNECTING')
  })

  it('never connects a socket disposed before its chunk is there', async () => {
    const { sims, close } = await startSimulators(1)
    closeSims = close
    const sim = sims[0]!
    scope = effectScope(true)
    const factory = vueSocketFactory(scope)
    const socket = factory(optionsFor(`${sim.url.replace(/^http/, 'ws')}/ws?clientId=gone-socket`, []))
    socket.dispose()
    // Once the chunk is there (a socket asked for now opens at once), the disposed one has still not connected.
    const later = factory(optionsFor(`${sim.url.replace(/^http/, 'ws')}/ws?clientId=later-socket`, []))
    await waitFor(() => later.state.status === 'OPEN', 'the later socket to open')
    expect(socket.state.status).toBe('CLOSED')
    expect(sim.requests.filter(r => r.kind === 'ws-open').length).toBe(1)
  })
})
