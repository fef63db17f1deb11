// One task, one socket: the store must not close the socket it is connecting and open a second one with the same
// clientId (a real ComfyUI may then drop the second from its socket table when the first's close arrives: a deaf
// socket, and a task that only polling can finish, without progress).
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { slowWorkflow } from '../helpers/workflows'

let closeSim: (() => Promise<void>) | undefined
const NativeWebSocket = globalThis.WebSocket
afterEach(async () => {
  globalThis.WebSocket = NativeWebSocket
  unmountAll()
  await closeSim?.()
  closeSim = undefined
})

describe('the socket of a new lock', () => {
  it('is opened once for a task, not closed while connecting and opened again', async () => {
    const sim = await createComfySimulator({ speed: 1 })
    closeSim = () => sim.close()
    const opened: string[] = []
    globalThis.WebSocket = class extends NativeWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols)
        opened.push(String(url))
      }
    }
    const { store } = mountComfy({ servers: [sim.url] })
    await (await store.submit(slowWorkflow(2, 0.4))).result
    expect(opened).toHaveLength(1)
    expect(opened[0]).toContain(`clientId=${store.clientId}`)
  })
})
