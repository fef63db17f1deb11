// Issue #22: useComfyTask(handle | id | ref) follows one task as refs fed by client.observe(), against a simulator:
// to success (result, progress 1), to failure (typed error), released on unmount, re-subscribed when the id changes.
import type { Ref } from 'vue'
import type { ComfyClient } from '../../src/client/index'
import type { ComfyTaskSource, UseComfyTaskReturn } from '../../src/index'
import { enableAutoUnmount, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createApp, defineComponent, effectScope, h, shallowRef, watch } from 'vue'
import WebSocket from 'ws'
import { createComfyClient } from '../../src/client/index'
import { comfyPlugin, isComfyTetherError, useComfyStore, useComfyTask } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { FAST } from '../helpers/fast'
import { waitFor } from '../helpers/wait'
import { emptyImageWorkflow, failingWorkflow, slowWorkflow } from '../helpers/workflows'

enableAutoUnmount(afterEach)

let urls: string[] = []
let close: () => Promise<void> = async () => {}
beforeAll(async () => {
  ({ urls, close } = await startSimulators(1, { speed: 10 }))
})
afterAll(() => close())

const clients: ComfyClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
})

/** The app's client, with `observe` counted: how many subscriptions are live, and listener calls after a moment. */
function countedClient() {
  const client = createComfyClient({ ...FAST, servers: urls, WebSocket })
  clients.push(client)
  const counts = { live: 0, calls: 0 }
  const observe = client.observe
  client.observe = (promptId, listener) => {
    counts.live++
    const off = observe(promptId, (task) => {
      counts.calls++
      listener(task)
    })
    let on = true
    return () => {
      if (on)
        counts.live--
      on = false
      off()
    }
  }
  return { client, counts }
}

let followed: ComfyTaskSource | Ref<ComfyTaskSource | undefined> = ''
let refs!: UseComfyTaskReturn
/** A component showing one task: what an app writes with useComfyTask. */
const Follower = defineComponent({
  setup() {
    refs = useComfyTask(followed)
    return () => h('p', `${refs.task.value?.state ?? 'none'} ${refs.progress.value}`)
  },
})

/** Mounts Follower on `source`, in an app of `plugin` options; returns its refs. */
function factory(source: ComfyTaskSource | Ref<ComfyTaskSource | undefined>, plugin: Record<string, unknown>) {
  followed = source
  const wrapper = mount(Follower, { global: { plugins: [createPinia(), [comfyPlugin, plugin as never]] } })
  const store = wrapper.vm.$.appContext.app.runWithContext(() => useComfyStore())
  return { wrapper, store, refs }
}

describe('useComfyTask', () => {
  it('says to install the plugin when it is missing', () => {
    const app = createApp(Follower)
    app.use(createPinia())
    let thrown: unknown
    app.runWithContext(() => effectScope().run(() => {
      try {
        useComfyTask('some-id')
      }
      catch (error) {
        thrown = error
      }
    }))
    expect(isComfyTetherError(thrown, 'INVALID_OPTIONS')).toBe(true)
    expect((thrown as Error).message).toContain('app.use(comfyPlugin')
  })

  it('follows a task of the store to success: result, progress 1, no longer pending', async () => {
    const handle = shallowRef<Awaited<ReturnType<ReturnType<typeof useComfyStore>['submit']>>>()
    const { wrapper, store, refs } = factory(handle, { ...FAST, servers: urls })
    expect(refs.isPending.value).toBe(false)
    expect(refs.task.value).toBeUndefined()

    const seen: number[] = []
    watch(refs.progress, value => void seen.push(value), { flush: 'sync' })
    handle.value = await store.submit(slowWorkflow(4, 10))
    expect(refs.task.value?.promptId).toBe(handle.value.promptId)
    expect(refs.isPending.value).toBe(true)

    const outcome = await handle.value.result
    await waitFor(() => refs.task.value?.state === 'succeeded', 'the task to succeed in the refs')
    expect(refs.isPending.value).toBe(false)
    expect(refs.progress.value).toBe(1)
    expect(refs.error.value).toBeNull()
    expect(refs.result.value).toEqual(outcome)
    expect(refs.result.value!.imageUrls[0]!.startsWith(`${urls[0]}/view?`)).toBe(true)
    expect(seen.some(p => p > 0 && p < 1)).toBe(true)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(wrapper.text()).toBe('succeeded 1')
  })

  it('follows a task to failure with its typed error', async () => {
    const { client } = countedClient()
    const handle = await client.submit(failingWorkflow('out of paint'))
    const { refs } = factory(handle, { client })
    await expect(handle.result).rejects.toThrow('out of paint')
    await waitFor(() => refs.task.value?.state === 'failed', 'the task to fail in the refs')
    expect(isComfyTetherError(refs.error.value, 'EXECUTION_FAILED')).toBe(true)
    expect(refs.error.value!.message).toContain('out of paint')
    expect(refs.isPending.value).toBe(false)
    expect(refs.result.value).toBeUndefined()
  })

  it('follows a bare prompt id, and stops hearing of the task when its component unmounts', async () => {
    const { client, counts } = countedClient()
    const handle = await client.submit(slowWorkflow(6, 10))
    const { wrapper, refs } = factory(handle.promptId, { client })
    expect(counts.live).toBe(1)
    await waitFor(() => refs.task.value?.state === 'running', 'the task to run')

    wrapper.unmount()
    expect(counts.live).toBe(0)
    const heard = counts.calls
    await handle.result
    expect(client.tasks.get(handle.promptId)?.state).toBe('succeeded')
    expect(counts.calls).toBe(heard)
    expect(refs.task.value?.state).toBe('running') // the refs froze at unmount
  })

  it('re-subscribes when a ref id changes to another task, and lets go of the first', async () => {
    const { client, counts } = countedClient()
    const first = await client.submit(emptyImageWorkflow(0x010203))
    await first.result
    const id = shallowRef<string | undefined>(first.promptId)
    const { refs } = factory(id, { client })
    expect(refs.task.value?.promptId).toBe(first.promptId)
    expect(refs.result.value?.promptId).toBe(first.promptId)

    const second = await client.submit(slowWorkflow(4, 10))
    id.value = second.promptId
    expect(counts.live).toBe(1)
    expect(refs.task.value?.promptId).toBe(second.promptId)
    expect(refs.result.value).toBeUndefined()
    expect(refs.isPending.value).toBe(true)
    await second.result
    await waitFor(() => refs.result.value, 'the second task\'s result')
    expect(refs.result.value!.promptId).toBe(second.promptId)

    id.value = undefined
    expect(counts.live).toBe(0)
    expect(refs.task.value).toBeUndefined()
    expect(refs.isPending.value).toBe(false)
  })
})
