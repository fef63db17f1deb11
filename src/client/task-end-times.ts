// What placement learns from each task's end, heard from when the background chunk is there (placement's choice, the
// only reader, is in it too; a task can only succeed through the frames or reconcile of that chunk).
import type { TaskCache } from './task-cache'
import { smoothServiceTime } from '../core/service-time'

/**
 * Hears the end of each task of `cache`: a succeeded one tells how long a task takes on its server (`serviceTimes`, for
 * task affinity's tail rule), and any end frees a slot (`slotFreed`: a waiting submit looks again). Returns the stopper.
 */
export function hearTaskEnds(cache: TaskCache, serviceTimes: Map<string, number>, slotFreed: () => void): () => void {
  return cache.onEnded((task) => {
    if (task.state === 'succeeded' && task.startedAt !== null && task.endedAt !== null)
      serviceTimes.set(task.server, smoothServiceTime(serviceTimes.get(task.server), task.endedAt - task.startedAt))
    slotFreed()
  })
}
