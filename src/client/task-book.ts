import type { ComfyTask } from '../core/task-state'
import type { Engine } from './engine'
import type { ComfyTaskResult } from './types'
import { TaskLostError } from '../core/errors'
import { smoothServiceTime } from '../core/placement'
import { serverViewUrl } from '../core/server-url'
import { isTerminal } from '../core/task-state'
import { wasSent } from './engine'

/** Every task change goes through `setTask`: the pending set, the end of a task (settle, prune, release) and persistence. */
export function createTaskBook(engine: Engine) {
  const { state, options, workflows, credentials } = engine
  /** Ended tasks' ids in the order they ended: the oldest go first when more than `taskRetention` are kept. */
  const endOrder = new Set<string>()

  function setTask(next: ComfyTask): void {
    const previous = state.tasks.get(next.promptId)
    if (previous === next)
      return
    // The result settles before anyone is told the task ended: a listener may dispose() the client right then
    // (a CLI waiting for "all done"), and that must not turn an outcome already known into CLIENT_DISPOSED.
    if (isTerminal(next.state) && state.pendingIds.has(next.promptId))
      settle(next)
    state.tasks.set(next.promptId, next)
    if (previous && previous.state !== next.state && !isTerminal(next.state))
      engine.persist() // a reload reads the state the task had (queued → running), not an older one
    if (isTerminal(next.state)) {
      if (state.pendingIds.delete(next.promptId))
        onTaskEnded(next)
      else
        endOrder.add(next.promptId) // ended without ever pending: still one of the kept ended tasks
    }
    else if (!state.pendingIds.has(next.promptId)) {
      state.pendingIds.add(next.promptId)
      engine.releaseTimers.get(next.server)?.()
      engine.persist()
    }
  }

  function onTaskEnded(task: ComfyTask): void {
    engine.unconfirmedPrompts.delete(task.promptId)
    engine.sending.delete(task.promptId)
    if (task.state === 'succeeded' && task.startedAt !== null && task.endedAt !== null)
      engine.serviceTimes.set(task.server, smoothServiceTime(engine.serviceTimes.get(task.server), task.endedAt - task.startedAt))
    if (task.error instanceof TaskLostError && (task.error.reason === 'not-on-server' || task.error.reason === 'server-restarted'))
      engine.objectInfos.suspect(task.server) // it forgot our prompt: restarted, maybe with other nodes or models
    state.record('task-end', `task ${task.promptId} ${task.state} on ${task.server}${task.error ? `: ${task.error.message}` : ''}`, { server: task.server, promptId: task.promptId, code: task.error?.code })
    revokePreview(task.promptId)
    endOrder.add(task.promptId)
    pruneFinished()
    engine.persist()
    engine.scheduleRelease(task.server)
    engine.slotFreed()
  }

  /** Resolves (succeeded) or rejects the result promise `submit()` handed out for the task. */
  function settle(task: ComfyTask): void {
    const settler = engine.settlers.get(task.promptId)
    if (!settler)
      return
    engine.settlers.delete(task.promptId)
    if (task.state === 'succeeded')
      settler.resolve(resultOf(task))
    else
      settler.reject(task.error ?? new TaskLostError(task.server, task.promptId, 'not-on-server', wasSent(engine, task)))
  }

  function resultOf(task: ComfyTask): ComfyTaskResult {
    return { promptId: task.promptId, server: task.server, outputs: task.outputs, images: task.images, imageUrls: task.images.map(i => serverViewUrl(task.server, i, credentials.get(task.server))), files: workflows.filesOf(task) }
  }

  function revokePreview(promptId: string): void {
    const url = state.previewUrls.get(promptId)
    if (url) {
      URL.revokeObjectURL(url)
      state.previewUrls.delete(promptId)
    }
  }

  /** Forgets the longest-ended tasks beyond `taskRetention` (no scan or sort: `endOrder` has them oldest first). */
  function pruneFinished(): void {
    let excess = state.tasks.size - state.pendingIds.size - options.taskRetention
    for (const id of endOrder) {
      if (excess <= 0)
        break
      endOrder.delete(id)
      const task = state.tasks.get(id)
      if (!task || !isTerminal(task.state))
        continue // renamed, restored away or running again: no longer an ended task of ours
      state.tasks.delete(id)
      revokePreview(id)
      workflows.forget(id)
      excess--
    }
  }

  return { setTask }
}
