// Bench 6: scale-out. 200 equal tasks on four simulators running at speeds 1×, 1×, 2× and 0.5×, in a process of their
// own (as real servers are), submitted at once by one client. Measured: the makespan (first submit → last result) with
// `affinity: 'task'`. Baseline: the ideal, total work ÷ total capacity, where each server's capacity is measured
// without the client: the servers' own execution time per task (the `execution_start` and `execution_success` stamps in
// their `/history`, fetched with plain HTTP) over the tasks of this very run, so the simulator's own per-task cost and
// the machine's load in that window count as work, and nothing of comfy-tether is in the baseline. Also: the ideal from
// nominal speeds, and session mode for contrast.
import type { BenchResult } from './stats'
import { installDom } from './dom'
import { startSimulatorProcess } from '../helpers/sim-process'
import { fmt, now, round, verdictOf } from './stats'

const SPEEDS = [1, 1, 2, 0.5]
const TASKS = 200
/** Seconds of work per task at speed 1×, long enough that per-task HTTP and socket overhead stays small. */
const TASK_SECONDS = 0.15

interface HistoryEntry {
  status?: { completed?: boolean, messages?: [string, { timestamp?: number }][] }
}

/**
 * A server's capacity as the server itself timed it: its `/history` (fetched with plain HTTP, not through the client)
 * stamps `execution_start` and `execution_success` for each prompt; the mean execution time over `promptIds` gives
 * the tasks per second it can do. Idle time between tasks (waiting for the client) is not in it.
 */
async function serverCapacity(url: string, promptIds: readonly string[]): Promise<{ rate: number, meanExecMs: number }> {
  const history = await (await fetch(`${url}/history`)).json() as Record<string, HistoryEntry>
  const stamp = (e: HistoryEntry | undefined, kind: string): number | undefined => e?.status?.messages?.find(([k]) => k === kind)?.[1].timestamp
  const times = promptIds.map(id => (stamp(history[id], 'execution_success') ?? Number.NaN) - (stamp(history[id], 'execution_start') ?? Number.NaN))
  if (times.length === 0 || times.some(t => !Number.isFinite(t)))
    throw new Error(`${url}/history lacks the execution stamps of ${times.length === 0 ? 'any task (none ran there)' : 'some of its tasks'}`)
  const meanExecMs = times.reduce((a, b) => a + b, 0) / times.length
  return { rate: 1000 / meanExecMs, meanExecMs }
}

export async function benchScaleOut(): Promise<BenchResult> {
  const dom = await installDom()
  const { createApp, h } = await import('vue')
  const { createPinia } = await import('pinia')
  const { comfyPlugin, useComfyStore } = await import('../../src/index')
  let colour = 0
  // Distinct colours, so ComfyUI's cache (which the simulator reproduces) never skips a task's work.
  const workflow = (): Record<string, { class_type: string, inputs: Record<string, unknown> }> => ({
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: colour++ } },
    2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 2, seconds: TASK_SECONDS, preview: false, progress_text: false } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'scale' } },
  })

  /** Runs `count` tasks on `servers` with one client; returns the makespan and the tasks per server. */
  async function run(servers: string[], affinity: 'session' | 'task', count: number): Promise<{ makespanMs: number, perServer: number[], idsPerServer: string[][] }> {
    const app = createApp({ render: () => h('div') })
    app.use(createPinia())
    app.use(comfyPlugin, { servers, affinity, persist: false, logger: false, taskRetention: count })
    app.mount(document.createElement('div'))
    const store = app.runWithContext(() => useComfyStore())
    try {
      const start = now()
      // submit() resolves once the task has a server (later, in task mode, for tasks that wait for a slot)
      const results = await Promise.all(Array.from({ length: count }, () => store.submit(workflow()).then(hd => hd.result)))
      const idsPerServer = servers.map(url => results.filter(r => r.server === url).map(r => r.promptId))
      return { makespanMs: now() - start, perServer: idsPerServer.map(ids => ids.length), idsPerServer }
    }
    finally {
      app.unmount()
    }
  }

  const sims = await startSimulatorProcess(SPEEDS)
  try {
    const task = await run(sims.urls, 'task', TASKS)
    // Each server's capacity as it timed itself on the tasks it ran (before the session run adds to its history).
    const capacities = await Promise.all(sims.urls.map((url, i) => serverCapacity(url, task.idsPerServer[i]!)))
    const rates = capacities.map(c => c.rate)
    const session = await run(sims.urls, 'session', TASKS)
    const idealMs = TASKS / rates.reduce((a, b) => a + b, 0) * 1000
    const nominalIdealMs = TASKS * TASK_SECONDS * 1000 / SPEEDS.reduce((a, b) => a + b, 0)
    const ratio = task.makespanMs / idealMs
    const target = { op: '<=' as const, value: 1.1 }
    return {
      id: 'scale-out',
      name: `scale-out: ${TASKS} tasks on 4 servers (${SPEEDS.join('×, ')}×), affinity 'task'`,
      measured: `${fmt(task.makespanMs / 1000, 2)} s makespan`,
      baseline: `ideal ${fmt(idealMs / 1000, 2)} s`,
      ratio: round(ratio),
      target,
      verdict: verdictOf(ratio, target),
      details: { speeds: SPEEDS, tasks: TASKS, taskSecondsAt1x: TASK_SECONDS, measuredRatesPerSecond: rates.map(r => round(r, 2)), meanExecMsPerServer: capacities.map(c => round(c.meanExecMs, 1)), idealMs: round(idealMs, 1), nominalIdealMs: round(nominalIdealMs, 1), task: { makespanMs: round(task.makespanMs, 1), perServer: task.perServer }, session: { makespanMs: round(session.makespanMs, 1), perServer: session.perServer }, sessionOverTask: round(session.makespanMs / task.makespanMs) },
      notes: [
        `ideal = ${TASKS} ÷ Σ server capacities (${rates.map(r => fmt(r, 2)).join(', ')} tasks/s) = 1 ÷ each server's mean execution time per task (${capacities.map(c => fmt(c.meanExecMs, 0)).join(', ')} ms) from its own execution_start/execution_success stamps over this run's tasks, fetched from /history with plain HTTP; from nominal speeds alone it would be ${fmt(nominalIdealMs / 1000, 2)} s (ratio ${fmt(task.makespanMs / nominalIdealMs, 2)})`,
        `tasks per server: ${task.perServer.join(', ')} (maxTasksPerServer 2, the default)`,
        `session mode, same tasks: ${fmt(session.makespanMs / 1000, 2)} s, ${fmt(session.makespanMs / task.makespanMs, 2)}× task mode (one lock: tasks per server ${session.perServer.join(', ')})`,
      ],
    }
  }
  finally {
    await sims.stop()
    await dom.uninstall()
  }
}
