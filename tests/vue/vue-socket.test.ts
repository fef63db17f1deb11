// The Vue layer's socket factory: the socket itself (vueuse's useWebSocket) is a chunk that loads in the background
// from the client's creation. A socket a tether asks for before that chunk is there still connects, once it loads, and
// its state reaches the tether as any socket's does; one disposed before that never connects.
import type { EffectScope } from 'vue'
import type { ComfySocketOptions } from '../../src/client/socket'
import type { ComfySocketState } from '../../src/client/types'
import type { vueSocketFactory as VueSocketFactory } from '../../src/vue/vue-socket'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { startSimulators } from '../../src/testing/index'
import { waitFor } from '../helpers/wait'

let scope: EffectScope | undefined
let vueSocketFactory: typeof VueSocketFactory
// A fresh module per test: its socket chunk not loaded yet, as in a page that just created its client.
beforeEach(async () => {
  vi.resetModules()
  ;({ vueSocketFactory } = await import('../../src/vue/vue-socket'))
})
let closeSims: (() => Promise<void>) | undefined
afterEach(async () => {
  scope?.stop()
  scope = undefined
  await closeSims?.()
  closeSims = undefined
})

function optionsFor(url: string, states: ComfySocketState['status'][]): ComfySocketOptions {
  return { url: () => url, shouldReconnect: () => false, delay: () => 10, onOpen: () => {}, onClose: () => {}, onFrame: () => {}, onState: state => void states.push(state.status) }
}

describe('vueSocketFactory', () => {
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
