// Unit tier (issue #22): a Task owns its state and its result and changes only through dispatch → the one reducer.
// No simulator, no socket: plain objects, and fake time pinned as in the rest of the unit tier.
import type { ComfyMessage } from '../../src/core/protocol'
import type { FrameRules, TaskAction, TaskModel } from '../../src/core/task-reducer'
import type { ComfyWorkflow } from '../../src/core/validate-input'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TaskInterruptedError } from '../../src/core/task-errors'
import { applyMessage, applyPreview } from '../../src/core/task-frames'
import { createTask, endTask } from '../../src/core/task-state'
import { ProgressFold, startWorkflowProgress, workflowKey } from '../../src/core/workflow-progress'
import { Task } from '../../src/client/task'

const frame = (type: string, data: Record<string, unknown>): ComfyMessage => ({ type, data }) as ComfyMessage
/** The frame rules the frame router passes. */
const rules: FrameRules = { applyMessage, applyPreview, fold: progress => new ProgressFold(progress) }
/** The `track` action as the task runner builds it. */
const track = (prompt: ComfyWorkflow, nodes: string[]): TaskAction => ({ type: 'track', prompt, filled: null, key: workflowKey(prompt), progress: startWorkflowProgress(nodes), format: 'api' })

function factory() {
  const changes: { task: Task, previous: TaskModel }[] = []
  const task = new Task({ ...createTask({ promptId: 'p1', server: 'http://a', clientId: 'c', now: Date.now() }), state: 'queued' }, { changed: (t, previous) => void changes.push({ task: t, previous }) })
  return { task, changes }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('Task', () => {
  it('moves through its frames by dispatch, telling its owner once per real change', () => {
    const { task, changes } = factory()
    task.dispatch(track({ 1: { class_type: 'EmptyImage', inputs: {} }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0] } } }, ['1', '2']))
    task.dispatch({ type: 'frame', message: frame('execution_start', { prompt_id: 'p1', timestamp: Date.now() }), at: Date.now(), rules })
    expect(task.snapshot.state).toBe('running')
    const before = changes.length
    task.dispatch({ type: 'frame', message: frame('executing', { node: '1', prompt_id: 'p1' }), at: Date.now(), rules })
    task.dispatch({ type: 'frame', message: frame('executing', { node: '1', prompt_id: 'p1' }), at: Date.now(), rules }) // a duplicate
    expect(changes.length).toBe(before + 1)
    task.dispatch({ type: 'frame', message: frame('executed', { node: '1', prompt_id: 'p1', output: {} }), at: Date.now(), rules })
    expect(task.workflow?.progress.done).toEqual(['1'])
    expect(task.workflow?.progress.fraction).toBeCloseTo(0.5)
  })

  it('tells its owner of each progress_state that moves the workflow, not of one that repeats it', () => {
    const { task, changes } = factory()
    task.dispatch(track({ 1: { class_type: 'EmptyImage', inputs: {} }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0] } } }, ['1', '2']))
    task.dispatch({ type: 'frame', message: frame('execution_start', { prompt_id: 'p1' }), at: Date.now(), rules })
    const node = (state: string, value: number) => ({ value, max: 4, state, node_id: '1', prompt_id: 'p1', display_node_id: '1' })
    const before = changes.length
    task.dispatch({ type: 'frame', message: frame('progress_state', { prompt_id: 'p1', nodes: { 1: node('running', 2) } }), at: Date.now(), rules })
    task.dispatch({ type: 'frame', message: frame('progress_state', { prompt_id: 'p1', nodes: { 1: node('running', 2) } }), at: Date.now(), rules }) // the same again
    expect(changes.length).toBe(before + 1)
    expect(task.snapshot.state).toBe('running')
    expect(task.workflow?.progress).toMatchObject({ fraction: 0.25, running: { node: '1', fraction: 0.5 }, done: [] })
    task.dispatch({ type: 'frame', message: frame('progress_state', { prompt_id: 'p1', nodes: { 1: node('finished', 4) } }), at: Date.now(), rules })
    expect(changes.length).toBe(before + 2)
    expect(task.workflow?.progress).toMatchObject({ fraction: 0.5, running: null, done: ['1'] })
  })

  it('drops a queue position read while queued once its prompt starts', () => {
    const { task } = factory()
    task.dispatch(track({ 1: { class_type: 'EmptyImage', inputs: {} } }, ['1']))
    task.dispatch({ type: 'queue-position', position: 3 })
    expect(task.workflow?.queuePosition).toBe(3)
    task.dispatch({ type: 'frame', message: frame('execution_start', { prompt_id: 'p1' }), at: Date.now(), rules })
    expect(task.workflow?.queuePosition).toBeNull()
    task.dispatch({ type: 'frame', message: frame('executing', { node: '1', prompt_id: 'p1' }), at: Date.now(), rules })
    task.dispatch({ type: 'queue-position', position: 1 }) // a late read of the queue lands after the frames
    expect(task.workflow).toMatchObject({ queuePosition: 1, progress: { running: { node: '1', fraction: 0 } } })
  })

  it('moves only the workflow on execution_success: the history ends the task', () => {
    const { task } = factory()
    task.dispatch(track({ 1: { class_type: 'EmptyImage', inputs: {} } }, ['1']))
    task.dispatch({ type: 'frame', message: frame('execution_start', { prompt_id: 'p1' }), at: Date.now(), rules })
    task.dispatch({ type: 'frame', message: frame('execution_success', { prompt_id: 'p1' }), at: Date.now(), rules })
    expect(task.snapshot.state).toBe('running')
  })

  it('settles its result once: later outcomes and late readers get the first', async () => {
    const { task } = factory()
    const early = task.result()
    task.settle({ ok: false, error: new TaskInterruptedError('http://a', 'p1') })
    task.settle({ ok: true, value: { promptId: 'p1', server: 'http://a', outputs: {}, images: [], imageUrls: [], files: [] } })
    await expect(early).rejects.toMatchObject({ code: 'TASK_INTERRUPTED' })
    await expect(task.result()).rejects.toMatchObject({ code: 'TASK_INTERRUPTED' })
    expect(task.settled).toBe(true)
  })

  it('ignores frames once ended', () => {
    const { task, changes } = factory()
    task.dispatch({ type: 'set', task: endTask(task.snapshot, 'interrupted', new TaskInterruptedError('http://a', 'p1'), Date.now()) })
    const count = changes.length
    task.dispatch({ type: 'frame', message: frame('executing', { node: '1', prompt_id: 'p1' }), at: Date.now(), rules })
    task.dispatch({ type: 'preview', preview: { mime: 'image/png', bytes: new Uint8Array(1), nodeId: null, receivedAt: Date.now() }, rules })
    expect(changes.length).toBe(count)
    expect(task.snapshot.state).toBe('interrupted')
  })

  it('keeps a queue position that someone read, and a new one replaces it', () => {
    const { task, changes } = factory()
    task.dispatch({ type: 'queue-position', position: 2 }) // no workflow followed: nothing to show it on
    expect(changes).toHaveLength(0)
    task.dispatch(track({ 1: { class_type: 'EmptyImage', inputs: {} } }, ['1']))
    task.dispatch({ type: 'queue-position', position: 2 })
    task.dispatch({ type: 'queue-position', position: 2 })
    expect(task.workflow?.queuePosition).toBe(2)
    expect(changes).toHaveLength(2) // track, then one position
  })
})
