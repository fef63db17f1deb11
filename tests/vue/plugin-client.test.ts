// Issue #22: app.use(comfyPlugin, { client }) takes a client the app built (shared with code outside Vue): the store
// works on that very object and the plugin never disposes it; `{ client, servers }` is refused.
import type { ComfySimulator } from '../../src/testing/index'
import type { ComfyClient } from '../../src/client/index'
import { enableAutoUnmount, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createApp, defineComponent, h } from 'vue'
import WebSocket from 'ws'
import { createComfyClient } from '../../src/client/index'
import { comfyPlugin, isComfyTetherError, useComfyStore } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { FAST } from '../helpers/fast'
import { waitFor } from '../helpers/wait'
import { emptyImageWorkflow } from '../helpers/workflows'

enableAutoUnmount(afterEach)

let sims: ComfySimulator[] = []
let urls: string[] = []
let close: () => Promise<void> = async () => {}
beforeAll(async () => {
  ({ sims, urls, close } = await startSimulators(1, { speed: 10 }))
})
afterAll(() => close())

const clients: ComfyClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
})

/** A client built outside Vue, with the `ws` package's sockets (not vueuse's), as a Node-side module would. */
function appClient(): ComfyClient {
  const client = createComfyClient({ ...FAST, servers: urls, WebSocket })
  clients.push(client)
  return client
}

const Empty = defineComponent({ setup: () => () => h('div') })

function factory(client: ComfyClient) {
  const wrapper = mount(Empty, { global: { plugins: [createPinia(), [comfyPlugin, { client }]] } })
  const store = wrapper.vm.$.appContext.app.runWithContext(() => useComfyStore())
  return { wrapper, store, servers: sims }
}

describe('comfyPlugin with { client }', () => {
  it('shows in the store the tasks submitted through the client, and submits through that client', async () => {
    const client = appClient()
    const { store } = factory(client)
    const outside = await client.submit(emptyImageWorkflow(0x102030))
    await waitFor(() => store.tasks.get(outside.promptId)?.state === 'succeeded', 'the client\'s task in the store')
    expect(store.taskList.map(t => t.promptId)).toContain(outside.promptId)

    const inside = await store.submit(emptyImageWorkflow(0x405060))
    expect(client.tasks.get(inside.promptId)?.server).toBe(urls[0])
    expect((await inside.result).imageUrls).toHaveLength(1)
    expect(store.clientId).toBe(client.clientId)
  })

  it('leaves the client running when the app unmounts', async () => {
    const client = appClient()
    const { wrapper, store } = factory(client)
    await (await store.submit(emptyImageWorkflow())).result
    wrapper.unmount()
    expect(client.disposed).toBe(false)
    const after = await client.submit(emptyImageWorkflow(0x0A0B0C))
    expect((await after.result).imageUrls[0]!.startsWith(`${urls[0]}/view?`)).toBe(true)
  })

  it('puts the debug helpers of that client on window with exposeOnWindow', () => {
    const client = appClient()
    const wrapper = mount(Empty, { global: { plugins: [createPinia(), [comfyPlugin, { client, exposeOnWindow: 'comfyShared' }]] } })
    const helpers = Reflect.get(window, 'comfyShared') as { debugLock: () => { clientId: string } }
    expect(helpers.debugLock().clientId).toBe(client.clientId)
    wrapper.unmount()
    expect(Reflect.has(window, 'comfyShared')).toBe(false)
  })

  it('serves a second app after the first unmounted, with the same client', async () => {
    const client = appClient()
    factory(client).wrapper.unmount()
    const { store } = factory(client)
    const handle = await store.submit(emptyImageWorkflow(0x111111))
    expect((await handle.result).promptId).toBe(handle.promptId)
    expect(client.tasks.has(handle.promptId)).toBe(true)
  })
})

describe('comfyPlugin refuses', () => {
  function install(options: Record<string, unknown>): unknown {
    const app = createApp(Empty)
    app.use(createPinia())
    try {
      app.use(comfyPlugin, options as never)
    }
    catch (error) {
      return error
    }
    return undefined
  }

  it('a client beside servers, with INVALID_OPTIONS naming both', () => {
    const error = install({ client: appClient(), servers: urls })
    expect(isComfyTetherError(error, 'INVALID_OPTIONS')).toBe(true)
    expect((error as Error).message).toContain('`servers`')
    expect((error as Error).message).toContain('`client`')
  })

  it('a client that is not a comfy-tether client, and one already disposed', () => {
    const notClient = install({ client: { servers: urls } })
    expect(isComfyTetherError(notClient, 'INVALID_OPTIONS')).toBe(true)
    expect((notClient as Error).message).toContain('createComfyClient')
    const disposed = appClient()
    disposed.dispose()
    const error = install({ client: disposed })
    expect(isComfyTetherError(error, 'INVALID_OPTIONS')).toBe(true)
    expect((error as Error).message).toContain('disposed')
  })
})
