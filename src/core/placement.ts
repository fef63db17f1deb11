/** One server's load as task-affinity placement sees it. */
export interface PlacementLoad {
  url: string
  /** This client's tasks on it that have not ended (running or queued). */
  pending: number
  /** Smoothed time one task takes there, in ms, or `null` while unknown. */
  serviceMs: number | null
}

/**
 * The tail rule of task affinity: hold a task back from `target` when it would finish there later than the whole
 * backlog (tasks pending anywhere plus those waiting in the client) would finish on all servers together. A queued
 * prompt cannot move, so at the end of a batch one task on a slow server can outlast every fast one; in steady state
 * (a long backlog) the rule never holds back. Unknown service times never hold back.
 */
export function shouldHoldBack(target: PlacementLoad, all: readonly PlacementLoad[], waiting: number): boolean {
  if (target.serviceMs === null)
    return false
  let rate = 0
  let pending = 0
  for (const load of all) {
    if (load.serviceMs === null || load.serviceMs <= 0)
      return false
    rate += 1 / load.serviceMs
    pending += load.pending
  }
  if (pending === 0)
    return false
  const backlogDoneInMs = (pending + waiting) / rate
  const doneHereInMs = (target.pending + 1) * target.serviceMs
  return doneHereInMs > backlogDoneInMs
}

/** An exponentially weighted average of service times: recent tasks count most, one outlier does not dominate. */
export function smoothServiceTime(previous: number | undefined, sampleMs: number, weight = 0.3): number {
  return previous === undefined ? sampleMs : previous + weight * (sampleMs - previous)
}
