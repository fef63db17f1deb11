import { describe, expect, it } from 'vitest'
import type { HistoryEntry } from '../../src/core/api-types'
import { isComfyTetherError } from '../../src/core/errors'
import { parseMessage } from '../../src/core/protocol'
import type { ComfyTask } from '../../src/core/task-state'
import { applyMessage, applyPreview, messagePromptId } from '../../src/core/task-frames'
import { createTask } from '../../src/core/task-state'
import { reconcileTask } from '../../src/core/task-reconcile'

const P = '11111111-1111-4111-8111-111111111111'
const S = 'http://a:8188'

function msg(type: string, data: Record<string, unknown>) {
  const parsed = parseMessage(JSON.stringify({ type, data }))
  if (!parsed.ok)
    throw new Error(parsed.reason)
  return parsed.value
}

function queued(): ComfyTask {
  return { ...createTask({ promptId: P, server: S, clientId: 'c', now: 0 }), state: 'queued', number: 3 }
}

function run(task: ComfyTask, ...messages: ReturnType<typeof msg>[]): ComfyTask {
  return messages.reduce((t, m, i) => applyMessage(t, m, 100 + i), task)
}

describe('applyMessage', () => {
  it('follows a prompt from start to success with its outputs', () => {
    const images = [{ filename: 'x_00001_.png', subfolder: '', type: 'output' }]
    const task = run(queued(),
      msg('execution_start', { prompt_id: P, timestamp: 1 }),
      msg('execution_cached', { nodes: [], prompt_id: P, timestamp: 1 }),
      msg('executing', { node: '2', display_node: '2', prompt_id: P }),
      msg('progress', { value: 1, max: 4, prompt_id: P, node: '2' }),
      msg('progress', { value: 2, max: 4, prompt_id: P, node: '2' }),
      msg('executed', { node: '3', display_node: '3', output: { images }, prompt_id: P }),
      msg('execution_success', { prompt_id: P, timestamp: 2 }),
    )
    expect(task.state).toBe('succeeded')
    expect(task.images).toEqual(images)
    expect(task.progress).toEqual({ value: 2, max: 4, node: '2' })
    expect(task.startedAt).toBe(100)
    expect(task.endedAt).toBe(106)
  })

  it('ignores duplicates, backwards progress and anything after the end', () => {
    const running = run(queued(), msg('executing', { node: '2', prompt_id: P }), msg('progress', { value: 3, max: 4, prompt_id: P, node: '2' }))
    expect(applyMessage(running, msg('progress', { value: 3, max: 4, prompt_id: P, node: '2' }), 9)).toBe(running)
    expect(applyMessage(running, msg('progress', { value: 1, max: 4, prompt_id: P, node: '2' }), 9)).toBe(running)
    expect(applyMessage(running, msg('executing', { node: '2', prompt_id: P }), 9)).toBe(running)
    const done = applyMessage(running, msg('execution_success', { prompt_id: P, timestamp: 1 }), 9)
    expect(applyMessage(done, msg('execution_error', { prompt_id: P, node_id: '2', node_type: 'X', executed: [], exception_message: 'late', exception_type: 'E', traceback: [], current_inputs: {}, current_outputs: [], timestamp: 1 }), 10)).toBe(done)
  })

  it('ends with ExecutionFailedError carrying node, type, exception and traceback', () => {
    const task = run(queued(), msg('execution_error', { prompt_id: P, node_id: '2', node_type: 'TestFail', executed: ['1'], exception_message: 'boom\n', exception_type: 'RuntimeError', traceback: ['line 1'], current_inputs: {}, current_outputs: [], timestamp: 1 }))
    expect(task.state).toBe('failed')
    expect(isComfyTetherError(task.error, 'EXECUTION_FAILED')).toBe(true)
    expect(task.error).toMatchObject({ nodeId: '2', nodeType: 'TestFail', exceptionType: 'RuntimeError', traceback: ['line 1'] })
    expect(task.error?.message).toContain('RuntimeError: boom')
  })

  it('ends interrupted, or cancelled when this client asked for it', () => {
    const interrupted = msg('execution_interrupted', { prompt_id: P, node_id: '2', node_type: 'X', executed: [], timestamp: 1 })
    expect(run(queued(), interrupted).error?.code).toBe('TASK_INTERRUPTED')
    expect(run({ ...queued(), cancelRequested: true }, interrupted)).toMatchObject({ state: 'cancelled', error: { code: 'TASK_CANCELLED' } })
  })

  it('attributes the reconnect hint without prompt_id to the running task, and nothing else', () => {
    expect(messagePromptId(msg('executing', { node: '2' }), P)).toBe(P)
    expect(messagePromptId(msg('executing', { node: null }), P)).toBeUndefined()
    expect(messagePromptId(msg('status', { status: { exec_info: { queue_remaining: 0 } } }), P)).toBeUndefined()
    expect(messagePromptId(msg('progress', { value: 1, max: 2, prompt_id: 'other' }), P)).toBe('other')
  })

  it('keeps the latest preview until the task ends', () => {
    const preview = { mime: 'image/png', bytes: new Uint8Array([1]), nodeId: '2', receivedAt: 1 }
    expect(applyPreview(queued(), preview).preview).toBe(preview)
    const done = { ...queued(), state: 'succeeded' as const }
    expect(applyPreview(done, preview)).toBe(done)
  })
})

describe('reconcileTask', () => {
  const success: HistoryEntry = {
    prompt: [3, P, {}, { client_id: 'c' }, ['3']],
    outputs: { 3: { images: [{ filename: 'r.png', subfolder: '', type: 'output' }] } },
    status: { status_str: 'success', completed: true, messages: [['execution_success', { prompt_id: P }]] },
  }

  it('completes a task from /history with its outputs', () => {
    const next = reconcileTask(queued(), { history: success, queue: undefined }, 50, 1000)
    expect(next).toMatchObject({ state: 'succeeded', images: [{ filename: 'r.png' }] })
  })

  it('keeps a task that /queue still has, and clears a missing mark', () => {
    const marked = { ...queued(), missingSince: 10 }
    expect(reconcileTask(marked, { history: null, queue: 'pending' }, 50, 1000)).toMatchObject({ state: 'queued', missingSince: null })
    expect(reconcileTask(queued(), { history: null, queue: 'running' }, 50, 1000)).toMatchObject({ state: 'running' })
  })

  it('declares a task lost only after the grace period', () => {
    const first = reconcileTask(queued(), { history: null, queue: null }, 1000, 5000)
    expect(first).toMatchObject({ state: 'queued', missingSince: 1000 })
    expect(reconcileTask(first as ComfyTask, { history: null, queue: null }, 5999, 5000)).toBe(first)
    expect(reconcileTask(first as ComfyTask, { history: null, queue: null }, 6000, 5000)).toBe('lost')
  })

  it('never touches a task that is still being prepared or has ended', () => {
    const preparing = createTask({ promptId: P, server: S, clientId: 'c', now: 0 })
    expect(reconcileTask(preparing, { history: null, queue: null }, 1e9, 0)).toBe(preparing)
    const done = { ...queued(), state: 'succeeded' as const }
    expect(reconcileTask(done, { history: null, queue: null }, 1e9, 0)).toBe(done)
  })
})
