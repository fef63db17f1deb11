import type { App } from 'vue'
import type { DevtoolsApiModule, DevtoolsPluginApi } from '../../src/vue/devtools'
import type { DevtoolsInspectorNode, DevtoolsInspectorState, DevtoolsTimelineEvent } from '../../src/vue/devtools-format'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, h } from 'vue'
import { comfyPlugin, useComfyStore } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { DEVTOOLS_INSPECTOR_ID, DEVTOOLS_TIMELINE_ID, setupComfyDevtools } from '../../src/vue/devtools'
import { slowWorkflow } from '../helpers/workflows'
import { FAST } from '../helpers/fast'
import { sleep, waitFor } from '../helpers/wait'

// The real devtools UI (browser extension or vite-plugin-vue-devtools) cannot run here, so `@vue/devtools-api` is
// replaced by a fake that calls the plugin's setup at once, as devtools does once it connects, and records what the
// plugin shows: the inspector tree and state panes as devtools asks for them, and every timeline event.

interface FakeDevtools {
  app: unknown
  inspectors: string[]
  layers: string[]
  events: DevtoolsTimelineEvent[]
  treeRequests: number
  tree: (filter?: string) => DevtoolsInspectorNode[]
  state: (nodeId: string) => DevtoolsInspectorState
}

const fakes: FakeDevtools[] = []
const ROOT = { render: () => h('div') }

function createFake(app: unknown): { fake: FakeDevtools, api: DevtoolsPluginApi } {
  const treeHandlers: Parameters<DevtoolsPluginApi['on']['getInspectorTree']>[0][] = []
  const stateHandlers: Parameters<DevtoolsPluginApi['on']['getInspectorState']>[0][] = []
  const fake: FakeDevtools = {
    app,
    inspectors: [],
    layers: [],
    events: [],
    treeRequests: 0,
    tree(filter = '') {
      const payload = { app, inspectorId: DEVTOOLS_INSPECTOR_ID, filter, rootNodes: [] as DevtoolsInspectorNode[] }
      for (const handler of treeHandlers) handler(payload)
      return payload.rootNodes
    },
    state(nodeId) {
      const payload = { app, inspectorId: DEVTOOLS_INSPECTOR_ID, nodeId, state: {} as DevtoolsInspectorState }
      for (const handler of stateHandlers) handler(payload)
      return payload.state
    },
  }
  const api: DevtoolsPluginApi = {
    addInspector: options => void fake.inspectors.push(options.id),
    addTimelineLayer: options => void fake.layers.push(options.id),
    addTimelineEvent: (options) => {
      expect(options.layerId).toBe(DEVTOOLS_TIMELINE_ID)
      fake.events.push(options.event)
    },
    sendInspectorTree: () => void fake.treeRequests++,
    sendInspectorState: () => {},
    on: {
      getInspectorTree: handler => void treeHandlers.push(handler),
      getInspectorState: handler => void stateHandlers.push(handler),
    },
  }
  return { fake, api }
}

const setupDevtoolsPlugin = vi.hoisted(() => vi.fn<DevtoolsApiModule['setupDevtoolsPlugin']>())
vi.mock('@vue/devtools-api', () => ({ setupDevtoolsPlugin }))

let closeSims: (() => Promise<void>) | undefined
const apps = new Set<App>()

beforeEach(() => {
  // Vitest runs with NODE_ENV 'test', where the plugin leaves devtools alone (as Pinia does): act as a dev build.
  vi.stubEnv('NODE_ENV', 'development')
  setupDevtoolsPlugin.mockImplementation((descriptor, setup) => {
    const { fake, api } = createFake(descriptor.app)
    fakes.push(fake)
    setup(api)
  })
})

afterEach(async () => {
  for (const app of apps) app.unmount()
  apps.clear()
  fakes.length = 0
  setupDevtoolsPlugin.mockReset()
  vi.unstubAllEnvs()
  await closeSims?.()
  closeSims = undefined
})

async function servers(count: number) {
  const started = await startSimulators(count, { speed: 1 })
  closeSims = started.close
  return started
}

/** An app with Pinia and comfyPlugin; the store is created only when the test asks for it, as a real app does. */
function mountApp(urls: string[]): { app: App, store: () => ReturnType<typeof useComfyStore> } {
  const app = createApp(ROOT)
  app.use(createPinia())
  app.use(comfyPlugin, { ...FAST, servers: urls.map((url, i) => ({ url, label: `S${i}` })) })
  app.mount(document.createElement('div'))
  apps.add(app)
  return { app, store: () => app.runWithContext(() => useComfyStore()) }
}

async function devtoolsOf(app: App): Promise<FakeDevtools> {
  return await waitFor(() => fakes.find(f => f.app === app), 'the devtools plugin to be set up')
}

function eventsOf(fake: FakeDevtools, title: string): DevtoolsTimelineEvent[] {
  return fake.events.filter(e => e.title === title)
}

describe('vue devtools', () => {
  it('shows one inspector node per server with its lock, socket and pending tasks', async () => {
    const { urls } = await servers(2)
    const { app, store: useStore } = mountApp(urls)
    const devtools = await devtoolsOf(app)
    expect(devtools.inspectors).toEqual([DEVTOOLS_INSPECTOR_ID])
    expect(devtools.layers).toEqual([DEVTOOLS_TIMELINE_ID])
    expect(devtools.tree(), 'nothing to show before the app uses the store').toEqual([])

    const store = useStore()
    const handle = await store.submit(slowWorkflow(6, 1.2))
    await waitFor(() => handle.task.value?.state === 'running' && (handle.task.value.progress?.value ?? 0) >= 1 && store.socket.status === 'OPEN', 'progress on an open socket')
    const owner = handle.task.value!.server
    const other = urls.find(u => u !== owner)!

    const nodes = devtools.tree()
    expect(nodes.map(n => n.id)).toEqual(urls)
    const tagsOf = (id: string): string[] => nodes.find(n => n.id === id)!.tags!.map(t => t.label)
    expect(tagsOf(owner)).toEqual(['locked', 'socket OPEN', '1 pending'])
    expect(tagsOf(other)).toEqual(['free', 'socket CLOSED'])
    expect(devtools.tree(`S${urls.indexOf(other)}`).map(n => n.id), 'the filter matches a label').toEqual([other])

    const state = devtools.state(owner)
    expect(state.lock).toContainEqual(expect.objectContaining({ key: 'server', value: owner }))
    expect(state.lock).toContainEqual(expect.objectContaining({ key: 'clientId', value: store.clientId }))
    expect(state.socket).toContainEqual(expect.objectContaining({ key: 'status', value: 'OPEN' }))
    const pending = state['pending tasks']!
    expect(pending.map(f => f.key)).toEqual([handle.promptId])
    expect(pending[0]!.value).toMatchObject({ state: 'running', progress: expect.stringMatching(/^\d+\/6/) })
    expect(devtools.state(other).lock).toEqual([expect.objectContaining({ value: expect.stringMatching(/^free/) })])
    expect(devtools.treeRequests, 'devtools is told to refresh as the lock changes').toBeGreaterThan(0)
    await handle.result
  })

  it('puts every lock event on the timeline with its reason and task ids, through a socket drop', async () => {
    const { sims, urls } = await servers(2)
    const { app, store: useStore } = mountApp(urls)
    const store = useStore() // before the devtools module has loaded: the plugin picks up the existing store
    const devtools = await devtoolsOf(app)
    const handle = await store.submit(slowWorkflow(8, 1.6))
    await waitFor(() => handle.task.value?.state === 'running' && handle.task.value.progress, 'progress')
    const owner = handle.task.value!.server
    sims.find(s => s.url === owner)!.dropSockets()
    await handle.result
    await waitFor(() => eventsOf(devtools, 'release').length > 0, 'the release on the timeline')

    expect(devtools.events.map(e => e.data.kind), 'the timeline is the lock log, in order').toEqual(store.log.map(e => e.kind))
    const label = `S${urls.indexOf(owner)}`
    for (const event of devtools.events) {
      expect(event.data.reason, `${event.title} has its reason`).toBe(store.log.find(e => e.at === event.time && e.kind === event.data.kind)?.message)
      expect(event.subtitle).toBe(label)
      expect(event.groupId).toBe(owner)
    }
    const [closed] = eventsOf(devtools, 'socket-closed')
    expect(closed).toMatchObject({ logType: 'warning', data: { server: owner, taskIds: [handle.promptId] } })
    expect(String(closed!.data.reason)).toMatch(/holding the lock: 1 task\(s\) pending/)
    expect(eventsOf(devtools, 'hold')[0]).toMatchObject({ logType: 'warning', data: { taskIds: [handle.promptId] } })
    expect(eventsOf(devtools, 'socket-open').length, 'opened, then reopened on the same server').toBeGreaterThanOrEqual(2)
    expect(eventsOf(devtools, 'reconcile').some(e => String(e.data.reason).includes('socket reconnected'))).toBe(true)
    expect(eventsOf(devtools, 'task-end: succeeded')).toEqual([expect.objectContaining({ logType: 'default', data: expect.objectContaining({ taskIds: [handle.promptId] }) })])
    expect(eventsOf(devtools, 'acquire')[0]!.data.reason).toMatch(new RegExp(`locked to ${owner}`))
  })

  it('shows a task lost in a server restart as an error on the timeline', async () => {
    const { sims, urls } = await servers(1)
    const { app, store: useStore } = mountApp(urls)
    const devtools = await devtoolsOf(app)
    const store = useStore()
    const handle = await store.submit(slowWorkflow(8, 4))
    await waitFor(() => handle.task.value?.progress, 'progress')
    await sims[0]!.restart()
    await expect(handle.result).rejects.toMatchObject({ code: 'TASK_LOST' })
    const [lost] = await waitFor(() => eventsOf(devtools, 'task-end: lost').length > 0 && eventsOf(devtools, 'task-end: lost'), 'the lost task on the timeline')
    expect(lost).toMatchObject({ logType: 'error', data: { code: 'TASK_LOST', server: urls[0], taskIds: [handle.promptId] } })
    expect(String(lost!.data.reason)).toContain(handle.promptId)
  })

  it('stops with the app: no more timeline events and an empty inspector after unmount', async () => {
    const { urls } = await servers(1)
    const { app, store: useStore } = mountApp(urls)
    const devtools = await devtoolsOf(app)
    const store = useStore()
    const entry = { at: Date.now(), kind: 'reconcile' as const, message: 'by hand', server: urls[0] }
    store.log = [...store.log, entry]
    expect(devtools.events.at(-1)?.data.reason, 'a new log entry reaches the timeline').toBe('by hand')
    const sent = devtools.events.length

    app.unmount()
    apps.delete(app)
    store.log = [...store.log, { ...entry, message: 'after unmount' }]
    expect(devtools.events).toHaveLength(sent)
    expect(devtools.tree()).toEqual([])
  })

  it('follows the store when the app disposes it and creates a new one', async () => {
    const { urls } = await servers(1)
    const { app, store: useStore } = mountApp(urls)
    const devtools = await devtoolsOf(app)
    const first = useStore()
    first.$dispose()
    const second = useStore()
    expect(second).not.toBe(first)
    const entry = { at: Date.now(), kind: 'reconcile' as const, message: 'on the new store', server: urls[0] }
    first.log = [...first.log, { ...entry, message: 'on the old store' }]
    second.log = [...second.log, entry]
    expect(devtools.events.map(e => e.data.reason)).toEqual(['on the new store'])
    expect(devtools.tree().map(n => n.id)).toEqual(urls)
  })

  it('sets nothing up in a production build', async () => {
    const { urls } = await servers(1)
    // The same number of turns of the event loop lets a dev build load the module and set the plugin up.
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) await sleep(0)
    }
    vi.stubEnv('NODE_ENV', 'production')
    const prod = mountApp(urls)
    expect(prod.store().servers).toHaveLength(1)
    await settle()
    expect(setupDevtoolsPlugin).not.toHaveBeenCalled()

    vi.stubEnv('NODE_ENV', 'development')
    const dev = mountApp(urls)
    await settle()
    expect(setupDevtoolsPlugin).toHaveBeenCalledTimes(1)
    expect(fakes.map(f => f.app)).toEqual([dev.app])
  })

  it('logs once at debug level, and throws nothing, when @vue/devtools-api is missing or of another major', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const a = createApp(ROOT).use(createPinia())
    const b = createApp(ROOT).use(createPinia())
    await expect(setupComfyDevtools(a, logger, new AbortController().signal, () => Promise.reject(new Error('Cannot find package \'@vue/devtools-api\'')))).resolves.toBeUndefined()
    await expect(setupComfyDevtools(b, logger, new AbortController().signal, async () => ({}) as DevtoolsApiModule)).resolves.toBeUndefined()
    expect(logger.debug).toHaveBeenCalledTimes(1)
    expect(logger.debug.mock.calls[0]![0]).toMatch(/^\[comfy-tether\] Vue devtools integration off: could not load @vue\/devtools-api \^8 \(Cannot find package/)
    expect([logger.info, logger.warn, logger.error].every(f => f.mock.calls.length === 0)).toBe(true)
  })
})
