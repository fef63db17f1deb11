// Bench 3: recovery after an outage. The real store (comfyPlugin + useComfyStore in a Vue app with Pinia, on happy-dom
// globals) holds pending tasks on a simulator; the simulator goes down, and comes back in the middle of a backoff gap.
// Measured: from the moment it listens again until the store logs that it reconciled every pending task with the
// server's /history and /queue. Expected: the wait until the schedule's next attempt (backoffDelay with jitter 'none',
// the store's own reconnect options) plus one round trip (a GET /queue through the store's axios instance, timed in the
// same trial).
import type { BenchResult } from './stats'
import { installDom } from './dom'
import { sleep, waitFor } from '../helpers/wait'
import { fmt, median, now, round, verdictOf } from './stats'

/** The plugin's default schedule (1 s doubling), without jitter so the next attempt is known. */
const RECONNECT = { baseDelay: 1000, maxDelay: 30_000, jitter: 'none' as const }
const PENDING_TASKS = 3
/** Outages: come back during the gap before attempt `attempt`, at `fraction` of it. */
const PLAN = [
  { attempt: 1, fraction: 0.25 },
  { attempt: 2, fraction: 0.5 },
  { attempt: 1, fraction: 0.75 },
  { attempt: 2, fraction: 0.25 },
  { attempt: 1, fraction: 0.5 },
  { attempt: 2, fraction: 0.75 },
  { attempt: 3, fraction: 0.5 },
] as const
const RTT_SAMPLES = 7
const WAIT_LIMIT_MS = 15_000

/** Polls every 1 ms: the time to recover is measured on what this sees. */
function until<T>(check: () => T | undefined | false | null, what: string): Promise<T> {
  return waitFor(check, what, WAIT_LIMIT_MS, 1)
}

export async function benchRecovery(): Promise<BenchResult> {
  const dom = await installDom()
  const { createApp, h, watch } = await import('vue')
  const { createPinia } = await import('pinia')
  const { comfyPlugin, useComfyHttp, useComfyStore } = await import('../../src/index')
  const { backoffDelay } = await import('../../src/core/backoff')
  const { createComfySimulator } = await import('../../src/testing/index')

  const sim = await createComfySimulator({ label: 'bench-recovery' })
  const events: { at: number, message: string }[] = []
  const record = (message: string): void => {
    events.push({ at: now(), message })
  }
  const app = createApp({ render: () => h('div') })
  app.use(createPinia())
  app.use(comfyPlugin, {
    servers: [sim.url],
    reconnect: RECONNECT,
    persist: false,
    // The store reports every lock event through logger.debug, synchronously: the bench's clock.
    logger: { debug: record, info: record, warn: record, error: record },
  })
  app.mount(document.createElement('div'))
  const store = app.runWithContext(() => useComfyStore())
  const http = app.runWithContext(() => useComfyHttp()) // the store's axios instance, interceptors included
  const schedule: { attempt: number, at: number }[] = []
  // `attempts` is set in the reconnect delay callback, right before vueuse's setTimeout: the time a retry is scheduled.
  const stopWatch = watch(() => store.socket.attempts, (attempt) => {
    if (attempt > 0)
      schedule.push({ attempt, at: now() })
  }, { flush: 'sync' })

  const trials: { attempt: number, fraction: number, outageMs: number, remainingMs: number, rttMs: number, measuredMs: number, expectedMs: number, ratio: number, reconciled: string }[] = []
  try {
    // Pending work that outlives the bench: one running task (progress every second) and the rest queued behind it.
    const workflow = {
      1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0x808080 } },
      2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 600, seconds: 600, preview: false, progress_text: false } },
      3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'bench' } },
    }
    const handles: Awaited<ReturnType<typeof store.submit>>[] = []
    for (let i = 0; i < PENDING_TASKS; i++) handles.push(await store.submit(workflow))
    await until(() => handles.every(hd => hd.task.value?.number !== null && hd.task.value?.state !== 'preparing') && handles[0]!.task.value?.state === 'running', 'the tasks to be queued and the first to run')
    await until(() => store.socket.status === 'OPEN', 'the socket to open')
    const rttOf = async (): Promise<number> => {
      const samples: number[] = []
      for (let i = 0; i < RTT_SAMPLES; i++) {
        const start = now()
        await http.get('/queue', { baseURL: sim.url })
        samples.push(now() - start)
      }
      return median(samples)
    }
    await rttOf() // warm-up

    for (const step of PLAN) {
      await until(() => store.socket.status === 'OPEN' && store.unreachableSince === null, 'the socket to be open before the outage')
      await sleep(100)
      const rtt = await rttOf()
      const scheduled = schedule.length
      const downAt = now()
      await sim.goDown()
      const gap = await until(() => schedule.slice(scheduled).find(s => s.attempt === step.attempt), `reconnect attempt ${step.attempt} to be scheduled`)
      const delay = backoffDelay(gap.attempt, RECONNECT)
      await sleep(Math.max(0, gap.at + step.fraction * delay - now()))
      const eventsBefore = events.length
      await sim.comeUp()
      const upAt = now()
      const last = schedule.filter(s => s.at <= upAt).at(-1)!
      const nextAttempt = last.at + backoffDelay(last.attempt, RECONNECT)
      const done = await until(() => events.slice(eventsBefore).find(e => e.message.startsWith('reconciled ')), 'the store to reconcile its tasks')
      const count = Number(/^reconciled (\d+) task/.exec(done.message)?.[1])
      if (count !== store.pendingCount || count !== PENDING_TASKS)
        throw new Error(`reconciled ${count} task(s) while ${store.pendingCount} are pending: ${done.message}`)
      const remaining = Math.max(0, nextAttempt - upAt)
      const measured = done.at - upAt
      const expected = remaining + rtt
      trials.push({ attempt: last.attempt, fraction: step.fraction, outageMs: round(upAt - downAt, 1), remainingMs: round(remaining, 1), rttMs: round(rtt, 2), measuredMs: round(measured, 1), expectedMs: round(expected, 1), ratio: round(measured / expected, 4), reconciled: done.message })
    }
  }
  finally {
    stopWatch()
    app.unmount()
    await sim.close()
    await dom.uninstall()
  }

  const ratio = median(trials.map(t => t.ratio))
  const measured = median(trials.map(t => t.measuredMs))
  const expected = median(trials.map(t => t.expectedMs))
  const overhead = median(trials.map(t => t.measuredMs - t.remainingMs))
  const rtt = median(trials.map(t => t.rttMs))
  const target = { op: '<=' as const, value: 1.2 }
  return {
    id: 'recovery',
    name: `recovery: up → ${PENDING_TASKS} tasks reconciled (${trials.length} outages)`,
    measured: `${fmt(measured, 0)} ms (median)`,
    baseline: `next attempt + RTT ${fmt(expected, 0)} ms`,
    ratio: round(ratio),
    target,
    verdict: verdictOf(ratio, target),
    details: { reconnect: RECONNECT, pendingTasks: PENDING_TASKS, medianOverheadBeyondScheduleMs: round(overhead, 1), medianRttMs: rtt, trials },
    notes: [`reconnect { baseDelay: ${RECONNECT.baseDelay}, maxDelay: ${RECONNECT.maxDelay}, jitter: 'none' }; server back at 25/50/75 % of the gap before attempt 1, 2 or 3; ratio = median over outages of measured ÷ (wait until the next attempt + 1 RTT)`, `beyond the schedule's wait, recovery took a median ${fmt(overhead, 1)} ms: socket handshake + ${PENDING_TASKS} × GET /history/{id} + GET /queue (RTT ${fmt(rtt, 1)} ms)`],
  }
}
