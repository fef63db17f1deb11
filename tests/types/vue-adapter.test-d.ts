// Issue #22: the plugin takes `{ client }` or the options of a client to build (never both), and useComfyTask's refs.
import type { App, ShallowRef } from 'vue'
import type { ComfyClient, ComfyClientTaskHandle, ComfyPluginInstallOptions, ComfyTask, ComfyTaskHandle, ComfyTaskResult, ComfyTetherError, UseComfyTaskReturn } from '../../src/index'
import { describe, expectTypeOf, it } from 'vitest'
import { shallowRef } from 'vue'
import { comfyPlugin, useComfyTask } from '../../src/index'

declare const client: ComfyClient
declare const app: App
declare const storeHandle: ComfyTaskHandle
declare const clientHandle: ComfyClientTaskHandle

describe('comfyPlugin options', () => {
  it('takes a client the app built, or the options of one to build', () => {
    expectTypeOf({ client }).toExtend<ComfyPluginInstallOptions>()
    expectTypeOf({ client, exposeOnWindow: 'comfy' }).toExtend<ComfyPluginInstallOptions>()
    expectTypeOf({ servers: ['http://127.0.0.1:8188'] }).toExtend<ComfyPluginInstallOptions>()
    app.use(comfyPlugin, { client })
    app.use(comfyPlugin, { servers: ['http://127.0.0.1:8188'], affinity: 'task' })
  })

  it('refuses a client beside the engine\'s options', () => {
    expectTypeOf({ client, servers: ['http://127.0.0.1:8188'] }).not.toExtend<ComfyPluginInstallOptions>()
    expectTypeOf({ client, affinity: 'task' as const }).not.toExtend<ComfyPluginInstallOptions>()
    // @ts-expect-error both a client and the servers of another
    app.use(comfyPlugin, { client, servers: ['http://127.0.0.1:8188'] })
    // @ts-expect-error neither a client nor servers
    app.use(comfyPlugin, { affinity: 'task' })
  })

  it('gives the client observe(promptId, listener) returning its unsubscribe', () => {
    expectTypeOf(client.observe).parameters.toEqualTypeOf<[promptId: string, listener: (task: ComfyTask | undefined) => void]>()
    expectTypeOf(client.observe).returns.toEqualTypeOf<() => void>()
  })
})

describe('useComfyTask', () => {
  it('returns shallow refs of the task, its progress, result, typed error and pending flag', () => {
    const refs = useComfyTask('prompt-id')
    expectTypeOf(refs).toEqualTypeOf<UseComfyTaskReturn>()
    expectTypeOf(refs.task).toEqualTypeOf<ShallowRef<ComfyTask | undefined>>()
    expectTypeOf(refs.progress).toEqualTypeOf<ShallowRef<number>>()
    expectTypeOf(refs.result).toEqualTypeOf<ShallowRef<ComfyTaskResult | undefined>>()
    expectTypeOf(refs.error).toEqualTypeOf<ShallowRef<ComfyTetherError | null>>()
    expectTypeOf(refs.isPending).toEqualTypeOf<ShallowRef<boolean>>()
  })

  it('takes a handle of the store or the client, an id, or a ref or getter of one', () => {
    useComfyTask(storeHandle)
    useComfyTask(clientHandle)
    useComfyTask(shallowRef<ComfyTaskHandle>())
    useComfyTask(shallowRef<string | null>(null))
    useComfyTask(() => clientHandle.promptId)
    // @ts-expect-error a number is no prompt id
    useComfyTask(42)
    // @ts-expect-error a task snapshot is not a handle
    useComfyTask({} as ComfyTask)
  })
})
