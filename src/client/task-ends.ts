import type { ComfyTask } from '../core/task-state'
import type { Engine } from './engine'
import type { Task } from './task'
import { TaskLostError } from '../core/errors'
import { isTerminal } from '../core/task-state'

/**
 * The client's own rules on a task's change, run by the task cache before any listener hears of it: persistence (a
 * reload reads the state the task had), a pending lock release cancelled by a new task, and the end of a task (its
 * server's run time, a suspected restart, the log, the lock's release, a free slot for a waiting submit).
 */
export function createTaskEnds(engine: Engine) {
  const { state } = engine

  function onChange(task: Task, previous: ComfyTask | undefined, ended: boolean): void {
    const next = task.snapshot
    if (ended) {
      task.unsent = undefined
      task.sending = false
      return onTaskEnded(next)
    }
    if (isTerminal(next.state))
      return
    if (!previous || isTerminal(previous.state) || previous.server !== next.server) {
      engine.cancelRelease(next.server)
      engine.persist()
    }
    else if (previous.state !== next.state) {
      engine.persist() // a reload reads the state the task had (queued → running), not an older one
    }
  }

  function onTaskEnded(task: ComfyTask): void {
    if (task.error instanceof TaskLostError && (task.error.reason === 'not-on-server' || task.error.reason === 'server-restarted'))
      engine.objectInfos.suspect(task.server) // it forgot our prompt: restarted, maybe with other nodes or models
    state.record('task-end', `task ${task.promptId} ${task.state} on ${task.server}${task.error ? `: ${task.error.message}` : ''}`, { server: task.server, promptId: task.promptId, code: task.error?.code })
    engine.persist()
    engine.scheduleRelease(task.server)
  }

  return { onChange }
}
