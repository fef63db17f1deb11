import type { ComfyTask } from '../core/task-state'
import type { TaskCache } from './task-cache'

/**
 * Follows one task of `cache`: `listener` gets its snapshot after each change of it, `undefined` once it is dropped.
 * A rename by an old server keeps the same task object, so the observer follows it. Returns the unsubscribe.
 */
export function observeTask(cache: TaskCache, promptId: string, listener: (task: ComfyTask | undefined) => void): () => void {
  let task = cache.get(promptId)
  return cache.subscribe((event) => {
    const current = task ?? cache.get(promptId)
    if (!current || event.task.promptId !== current.promptId)
      return
    task = current
    listener(event.type === 'removed' ? undefined : event.task)
  })
}
