// Probes of the fleet bench: how busy the simulators' process was, and how each server's run ended (tasks, idle tail).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { now, round } from './stats'

/** Tasks each server ran, and its idle tail: from its last task's end to the end of the run, in ms. */
export interface PerServer {
  tasks: number[]
  tailMs: number[]
}

/** CPU time of the process `pid` so far, in ms (Linux: `/proc`), or NaN where it cannot be read. */
export function cpuMsOf(pid: number | undefined): number {
  try {
    // utime and stime, fields 14 and 15 of /proc/{pid}/stat, in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  }
  catch {
    return Number.NaN
  }
}

/** Notes the end of each task per server, for the idle tails. */
export function serverEnds(urls: readonly string[]): { ended: (server: string) => void, figures: (end: number) => PerServer } {
  const tasks = urls.map(() => 0)
  const last = urls.map(() => 0)
  return {
    ended(server) {
      const i = urls.indexOf(server)
      tasks[i]!++
      last[i] = now()
    },
    figures: end => ({ tasks, tailMs: last.map(at => round(end - at, 1)) }),
  }
}

/** The pid of the simulators' process (a child of this one), for its CPU time; Linux only. */
export function simulatorsPid(): number | undefined {
  try {
    const pid = Number(execFileSync('pgrep', ['-P', String(process.pid), '-f', 'sim-host'], { encoding: 'utf8' }).trim().split('\n')[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  }
  catch {
    return undefined
  }
}


/** How the servers spent a run, from their own `execution_start`/`execution_success` stamps in `/history` (ms). */
export interface ServerTimeline {
  /** From the start of the run to each server's first `execution_start`. */
  firstStartMs: number[]
  /** Each server's time running prompts. */
  busyMs: number[]
  /** Each server's time between one prompt's end and the next one's start. */
  gapsMs: number[]
}

type HistoryStamps = Record<string, { status?: { messages?: [string, { timestamp?: number }][] } }>

/**
 * Reads each server's history (plain HTTP, after the run) for the prompts that started in `[from, until]` (wall-clock
 * ms): whether a server waited for work (first start, gaps) or ran slower (busy time), which the makespan alone cannot tell.
 */
export async function serverTimeline(urls: readonly string[], from: number, until: number): Promise<ServerTimeline> {
  const timeline: ServerTimeline = { firstStartMs: [], busyMs: [], gapsMs: [] }
  for (const url of urls) {
    const history = await (await fetch(`${url}/history`)).json() as HistoryStamps
    const stamp = (entry: HistoryStamps[string], event: string): number => entry.status?.messages?.find(m => m[0] === event)?.[1].timestamp ?? Number.NaN
    const runs = Object.values(history)
      .map(entry => [stamp(entry, 'execution_start'), stamp(entry, 'execution_success')] as const)
      .filter(([start, end]) => start >= from && end <= until)
      .sort((a, b) => a[0] - b[0])
    let busy = 0
    let gaps = 0
    runs.forEach(([start, end], i) => {
      busy += end - start
      if (i > 0)
        gaps += Math.max(0, start - runs[i - 1]![1])
    })
    timeline.firstStartMs.push(runs.length > 0 ? runs[0]![0] - from : Number.NaN)
    timeline.busyMs.push(busy)
    timeline.gapsMs.push(gaps)
  }
  return timeline
}
