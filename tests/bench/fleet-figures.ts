// Figures of the fleet bench: one run's measures, the sum of a side's runs, and the makespan figures of an interleaved set.
import type { PerServer, ServerTimeline } from './fleet-probes'
import { fmt, median, round } from './stats'

/** One run of one side. */
export interface RunFigures {
  cpuMs: number
  requests: number
  makespanMs: number
  /** CPU of the simulators' process over the run (Linux only, else NaN): how busy the servers' side was. */
  simCpuMs: number
  /** Event-loop utilization of this process over the run. */
  elu: number
  /** Tasks each server ran, and its idle tail: from its last task's end to the end of the run. */
  perServer?: PerServer
  /** The servers' own account of the run (judged runs only). */
  servers?: ServerTimeline
  /** The client's requests by route (ids replaced by `{id}`), to see where requests beyond the floor's 2 go. */
  routes?: Record<string, number>
}

/** The sum of several runs of one side. */
export function total(runs: readonly RunFigures[]): RunFigures {
  const routes: Record<string, number> = {}
  for (const run of runs) {
    for (const [route, n] of Object.entries(run.routes ?? {})) routes[route] = (routes[route] ?? 0) + n
  }
  const add = (of: (run: RunFigures) => number): number => runs.reduce((sum, run) => sum + of(run), 0)
  return { cpuMs: add(r => r.cpuMs), requests: add(r => r.requests), makespanMs: add(r => r.makespanMs), simCpuMs: add(r => r.simCpuMs), elu: add(r => r.elu) / runs.length, routes }
}

/** Shares as percentages, for a note. */
export function fmtShares(shares: unknown, side: 'client' | 'floor'): string {
  return (shares as Record<string, number[]>)[side]!.map(x => `${fmt(100 * x, 1)}%`).join(', ')
}

/**
 * Makespan figures of one interleaved set: the ratio of the sums (and each pair's ratio, and their median), how busy
 * the servers' process was, and each server's tasks and idle tail.
 */
export function makespanFigures({ floorRuns, clientRuns }: { floorRuns: RunFigures[], clientRuns: RunFigures[] }): { ratio: number, medianPairRatio: number, details: Record<string, unknown> } {
  const floor = total(floorRuns)
  const client = total(clientRuns)
  const busy = (run: RunFigures): number => round(run.simCpuMs / run.makespanMs, 2)
  const perPair = clientRuns.map((run, i) => run.makespanMs / floorRuns[i]!.makespanMs)
  // Makespan per unit of the servers' own busy time (their execution stamps): a run whose servers ran slower (outside
  // load, or the other process's CPU on the shared cores) is not counted against its side, what the servers left idle is.
  const perBusy = (run: RunFigures): number => run.servers ? run.makespanMs / (run.servers.busyMs.reduce((a, b) => a + b, 0) / run.servers.busyMs.length) : Number.NaN
  const idleShare = (run: RunFigures): number => round(1 - 1 / perBusy(run), 3)
  const perPairPerBusy = clientRuns.map((run, i) => round(perBusy(run) / perBusy(floorRuns[i]!)))
  return {
    ratio: client.makespanMs / floor.makespanMs,
    medianPairRatio: median(perPair),
    details: {
      clientMs: round(client.makespanMs),
      floorMs: round(floor.makespanMs),
      ratioOfSums: round(client.makespanMs / floor.makespanMs),
      runMs: { client: clientRuns.map(run => round(run.makespanMs)), floor: floorRuns.map(run => round(run.makespanMs)) },
      perPair: perPair.map(x => round(x)),
      perPairPerServerBusyTime: perPairPerBusy,
      serversIdleShare: { client: clientRuns.map(idleShare), floor: floorRuns.map(idleShare) },
      simulatorsBusy: { client: clientRuns.map(busy), floor: floorRuns.map(busy) },
      eventLoopUtilization: { client: clientRuns.map(run => run.elu), floor: floorRuns.map(run => run.elu) },
      perServer: { client: clientRuns.map(run => run.perServer), floor: floorRuns.map(run => run.perServer) },
      servers: { client: clientRuns.map(run => run.servers), floor: floorRuns.map(run => run.servers) },
    },
  }
}
