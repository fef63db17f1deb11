import type { ServerStatus, ServerStrategy } from './server-pool'
import { chooseServer } from './server-pool'

/** One server's load as task-affinity placement sees it. */
export interface PlacementLoad {
  url: string
  /** This client's tasks on it that have not ended (running or queued). */
  pending: number
  /** Smoothed time one task takes there, in ms, or `null` while unknown. */
  serviceMs: number | null
}

/**
 * The tail rule of task affinity: hold a task back from `target` when the whole backlog (tasks pending anywhere plus
 * those waiting in the client) could be finished without it, by the slots of all servers that end strictly before
 * the task would end on `target`. A queued prompt cannot move, so at the end of a batch one task on a slow server can
 * outlast every fast one; in steady state (a long backlog) the rule never holds back. Counted in whole tasks per
 * server, not as one pooled rate: a pooled rate finishes 50 tasks on 8 equal servers after 6.25 tasks each, held the
 * 7th task of every server back and kept 2 of 50 submits waiting for good. Unknown service times never hold back.
 */
export function shouldHoldBack(target: PlacementLoad, all: readonly PlacementLoad[], waiting: number): boolean {
  if (target.serviceMs === null)
    return false
  const doneHereInMs = (target.pending + 1) * target.serviceMs
  let pending = 0
  let endingSooner = 0
  for (const load of all) {
    if (load.serviceMs === null || load.serviceMs <= 0)
      return false
    pending += load.pending
    endingSooner += Math.ceil(doneHereInMs / load.serviceMs) - 1
  }
  return pending > 0 && endingSooner >= pending + waiting
}

/** What task-affinity placement decides on: a snapshot of the servers and of this client's load on them. */
export interface PlacementSnapshot {
  /** The servers a task may go to (those that fit its workflow), with their last known health. */
  servers: readonly ServerStatus[]
  /** This client's tasks not ended yet on a server. */
  pending: (url: string) => number
  /** Smoothed run time of a task on a server, or `null` while unknown. */
  serviceMs: (url: string) => number | null
  maxTasksPerServer: number
  /** Submits waiting in the client for a slot (the one being placed included), for the tail rule. */
  waiting: number
}

/** The healthy servers of a snapshot, and those with room for one more task (under the cap and the tail rule). */
export function roomIn(snapshot: PlacementSnapshot): { healthy: ServerStatus[], open: ServerStatus[] } {
  const healthy = snapshot.servers.filter(s => s.health === 'healthy')
  const loads = healthy.map(s => ({ url: s.url, pending: snapshot.pending(s.url), serviceMs: snapshot.serviceMs(s.url) }))
  const roomy = new Set(loads.filter(l => l.pending < snapshot.maxTasksPerServer && !shouldHoldBack(l, loads, snapshot.waiting)).map(l => l.url))
  return { healthy, open: healthy.filter(s => roomy.has(s.url)) }
}

/**
 * Task affinity's choice, a pure function of the snapshot: the strategy's pick among the servers with room, or
 * `undefined` when every healthy server is full (the submit waits for a slot). With no healthy server it throws
 * `NoServerAvailableError` (from `chooseServer`), as a submit must fail then rather than wait.
 */
export function placeNewTask(snapshot: PlacementSnapshot, strategy: ServerStrategy): string | undefined {
  const { healthy, open } = roomIn(snapshot)
  if (open.length === 0 && healthy.length > 0)
    return undefined
  return chooseServer(open.length > 0 ? open : snapshot.servers, strategy, snapshot.pending)
}
