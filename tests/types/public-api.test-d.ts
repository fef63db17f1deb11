import type { ComfyPluginInstallOptions, ComfyPluginOptions, ComfySocketState, ComfyStore, ComfyTask, ComfyTaskResult, ServerMismatchError, TaskState } from '../../src/index'
import type { Plugin } from 'vue'
import { describe, expectTypeOf, it } from 'vitest'
import { comfyPlugin, isComfyTetherError } from '../../src/index'

describe('public types', () => {
  it('types the plugin with its options', () => {
    expectTypeOf(comfyPlugin).toEqualTypeOf<Plugin<[ComfyPluginInstallOptions]>>()
    expectTypeOf<ComfyPluginOptions['servers']>().toEqualTypeOf<readonly (string | { url: string, label?: string, headers?: Record<string, string>, token?: string, auth?: { query: string } })[]>()
  })

  it('types submit, its handle and its result', () => {
    type Submit = ComfyStore['submit']
    expectTypeOf<Awaited<ReturnType<Submit>>['promptId']>().toEqualTypeOf<string>()
    expectTypeOf<Awaited<ReturnType<Submit>>['result']>().toEqualTypeOf<Promise<ComfyTaskResult>>()
    expectTypeOf<Awaited<ReturnType<Submit>>['task']['value']>().toEqualTypeOf<ComfyTask | undefined>()
  })

  it('exposes the lock and the task states as literal unions', () => {
    expectTypeOf<ComfyStore['lock']>().toEqualTypeOf<{ server: string, clientId: string, since: number, reason: 'task-submitted' | 'restored-after-reload' | 'resumed' } | null>()
    expectTypeOf<TaskState>().toEqualTypeOf<'preparing' | 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled' | 'lost'>()
  })

  it('narrows errors by code with the guard', () => {
    const error: unknown = null
    if (isComfyTetherError(error, 'SERVER_MISMATCH'))
      expectTypeOf(error.code).toEqualTypeOf<'SERVER_MISMATCH'>()
    expectTypeOf<ServerMismatchError['lockedServer']>().toEqualTypeOf<string>()
  })
})

describe('task affinity types', () => {
  it('exposes every lock and socket, and per-task debug helpers', () => {
    expectTypeOf<ComfyPluginOptions['affinity']>().toEqualTypeOf<'session' | 'task' | undefined>()
    expectTypeOf<ComfyStore['locks']>().toEqualTypeOf<{ server: string, clientId: string, since: number, reason: 'task-submitted' | 'restored-after-reload' | 'resumed' }[]>()
    expectTypeOf<ComfyStore['sockets']>().toEqualTypeOf<Record<string, ComfySocketState>>()
    expectTypeOf<ComfyStore['debugLock']>().parameters.toEqualTypeOf<[promptId?: string]>()
    expectTypeOf<ComfyStore['checkUnlockCondition']>().parameters.toEqualTypeOf<[server?: string]>()
    expectTypeOf<ComfyStore['release']>().parameters.toEqualTypeOf<[server?: string]>()
  })
})
