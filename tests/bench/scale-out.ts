// Bench 6: scale-out. 200 equal tasks on four simulators running at speeds 1×, 1×, 2× and 0.5×, in a process of their
// own (as real servers are), submitted at once by one client. Measured: the makespan (first submit → last result) with
// `affinity: 'task'`. Baseline: the ideal, total work ÷ total capacity, where each server's capacity is its steady
// service rate measured in the same run (a short calibration batch per server), so the simulator's own per-task cost is
// counted as work, not as the client's overhead. Also: the ideal from nominal speeds, and session mode for contrast.
import type { BenchResult } from './stats'
import { installDom } from './dom'
import { startSimulatorProcess } from '../helpers/sim-process'
import { fmt, now, round, verdictOf } from './stats'

const SPEEDS = [1, 1, 2, 0.5]
const TASKS = 200
/** Seconds of work per task at speed 1×, long enough that per-task HTTP and socket overhead stays small. */
const TASK_SECONDS = 0.15
const CALIBRATION_TASKS = 8

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

  /** Runs `count` tasks on `servers` with one client; returns the makespan and when each task ended, per server. */
  async function run(servers: string[], affinity: 'session' | 'task', count: number): Promise<{ makespanMs: number, perServer: number[], ends: number[] }> {
    const app = createApp({ render: () => h('div') })
    app.use(createPinia())
    app.use(comfyPlugin, { servers, affinity, persist: false, logger: false, taskRetention: count })
    app.mount(document.createElement('div'))
    const store = app.runWithContext(() => useComfyStore())
    try {
      const start = now()
      const ends: number[] = []
      // submit() resolves once the task has a server (later, in task mode, for tasks that wait for a slot)
      const results = await Promise.all(Array.from({ length: count }, () => store.submit(workflow()).then(hd => hd.result).then((r) => {
        ends.push(now() - start)
        return r
      })))
      return { makespanMs: now() - start, perServer: servers.map(url => results.filter(r => r.server === url).length), ends: ends.sort((a, b) => a - b) }
    }
    finally {
      app.unmount()
    }
  }

  const sims = await startSimulatorProcess(SPEEDS)
  try {
    // Each server's steady rate under this client: tasks ended per second between its first and last completion.
    const rates: number[] = []
    for (const url of sims.urls) {
      const { ends } = await run([url], 'task', CALIBRATION_TASKS)
      rates.push((ends.length - 1) / ((ends.at(-1)! - ends[0]!) / 1000))
    }
    const task = await run(sims.urls, 'task', TASKS)
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
      details: { speeds: SPEEDS, tasks: TASKS, taskSecondsAt1x: TASK_SECONDS, measuredRatesPerSecond: rates.map(r => round(r, 2)), idealMs: round(idealMs, 1), nominalIdealMs: round(nominalIdealMs, 1), task: { makespanMs: round(task.makespanMs, 1), perServer: task.perServer }, session: { makespanMs: round(session.makespanMs, 1), perServer: session.perServer }, sessionOverTask: round(session.makespanMs / task.makespanMs) },
      notes: [
        `ideal = ${TASKS} ÷ Σ measured rates (${rates.map(r => fmt(r, 2)).join(', ')} tasks/s; ${CALIBRATION_TASKS}-task batch per server, same run); from nominal speeds alone it would be ${fmt(nominalIdealMs / 1000, 2)} s (ratio ${fmt(task.makespanMs / nominalIdealMs, 2)})`,
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
