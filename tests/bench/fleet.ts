// Bench: a fleet. One client in this Node process, 8 simulators in another (as real servers run elsewhere), 1,000
// small tasks with 50 in flight, in interleaved runs (floor, client, client, floor, …). Against a hand-rolled floor in the same
// run, on the same servers: one socket per server (opened inside the timed run, as the client opens its own),
// `POST /prompt` with a minted id, the `execution_success` frame,
// `GET /history/{id}` — the least any client that reads its results can do. Measured: the client's CPU per task ÷ the
// floor's, its HTTP requests per task (the floor needs 2) and its makespan ÷ the floor's.
//
// Two makespans. With instant simulators (the CPU runs) no server ever waits: the 8 simulators are one event loop in a
// process that shares the 2 cores with the client, so the makespan is the CPU both processes burn (the simulators'
// process was busy 25-60% of a client run, 45-85% of a floor run, while the client's main thread was saturated), which fleet-cpu already
// measures: that figure is kept, as fleet-makespan-cpu, unjudged. The judged makespan gives each task 50 ms of server
// time (a `TestSlowProgress` node, one step, which sends its `progress` as a sampler step does; at 20 ms the two
// processes still ran out of CPU): then the servers are the bottleneck, and the ratio measures what the client leaves
// idle: its start (health check, node info, sockets before the first POST), gaps while it has work, and the tail.
import type { BenchResult } from './stats'
import type { RunFigures } from './fleet-figures'
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { startSimulatorProcess } from '../helpers/sim-process'
import { fmtShares, makespanFigures, total } from './fleet-figures'
import { cpuMsOf, serverEnds, serverTimeline, simulatorsPid } from './fleet-probes'
import { fmt, now, round, verdictOf } from './stats'

const SERVERS = 8
const TASKS = 1000
const IN_FLIGHT = 50
const WARM_UP = 80
/** Runs of each side, interleaved floor, client, client, floor; the figures are their sums. */
const RUNS = 2
/** Server time per task in the judged makespan runs. */
const SERVER_MS = 50
/**
 * Pairs of judged makespan runs (floor, client, client, floor, floor, client); judged on the median of the pairs'
 * ratios, since one burst of outside load on the shared machine moved one pair's ratio by up to 0.2.
 */
const TIMED_PAIRS = 3

type Workflow = Record<string, { class_type: string, inputs: Record<string, unknown> }>
let colour = 0
/** Distinct colours, so ComfyUI's cache (which the simulator reproduces) never skips a task's work. */
function smallTask(): Workflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 4, height: 4, batch_size: 1, color: colour++ % 0xFFFFFF } },
    2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'fleet' } },
  }
}
/** The same task with {@link SERVER_MS} of server time in one progress step. */
function timedTask(): Workflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 4, height: 4, batch_size: 1, color: colour++ % 0xFFFFFF } },
    3: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 1, seconds: SERVER_MS / 1000, preview: false, progress_text: false } },
    2: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'fleet' } },
  }
}

/** A judged makespan run, whose servers' own account is read after it. */
const judged = (task: () => Workflow, count: number): boolean => task === timedTask && count === TASKS

/** Runs `count` jobs with at most `limit` at once. */
async function limited(count: number, limit: number, job: () => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) {
      next++
      await job()
    }
  }))
}

/** The simulators' process, for its CPU time. */
let simPid: number | undefined

async function measure(urls: readonly string[], run: (ended: (server: string) => void) => Promise<number>, timeline = false): Promise<RunFigures> {
  const ends = serverEnds(urls)
  const cpu = process.cpuUsage()
  const sim = cpuMsOf(simPid)
  const elu = performance.eventLoopUtilization()
  const wallStart = Date.now()
  const start = now()
  const requests = await run(ends.ended)
  const end = now()
  const wallEnd = Date.now()
  const used = process.cpuUsage(cpu)
  const figures: RunFigures = { cpuMs: (used.user + used.system) / 1000, requests, makespanMs: end - start, simCpuMs: cpuMsOf(simPid) - sim, elu: round(performance.eventLoopUtilization(elu).utilization), perServer: ends.figures(end) }
  return timeline ? { ...figures, servers: await serverTimeline(urls, wallStart, wallEnd) } : figures
}

/** The floor: one socket per server, POST /prompt, the success frame, GET /history/{id}. */
async function floorRun(urls: readonly string[], count: number, task = smallTask): Promise<RunFigures> {
  const clientId = randomUUID()
  const waiting = new Map<string, () => void>()
  const sockets: WebSocket[] = []
  const connect = (url: string): Promise<WebSocket> => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=${clientId}`)
    sockets.push(ws)
    ws.on('message', (data, binary) => {
      if (binary)
        return
      const message = JSON.parse(String(data)) as { type: string, data?: { prompt_id?: string } }
      if (message.type === 'execution_success' || message.type === 'execution_error')
        waiting.get(message.data?.prompt_id ?? '')?.()
    })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
  const inFlight = urls.map(() => 0)
  try {
    // The sockets are opened inside the timed run, as the client opens its own inside it: each side pays its setup.
    return await measure(urls, async (ended) => {
      let requests = 0
      const open = urls.map(connect)
      await limited(count, IN_FLIGHT, async () => {
        const index = inFlight.indexOf(Math.min(...inFlight))
        const url = urls[index]!
        inFlight[index]!++
        await open[index]
        const promptId = randomUUID()
        const done = new Promise<void>(resolve => waiting.set(promptId, resolve))
        const posted = await fetch(`${url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: task(), client_id: clientId, prompt_id: promptId }) })
        await posted.arrayBuffer()
        await done
        waiting.delete(promptId)
        await (await fetch(`${url}/history/${promptId}`)).json()
        ended(url)
        requests += 2
        inFlight[index]!--
      })
      return requests
    }, judged(task, count))
  }
  finally {
    for (const ws of sockets) ws.close()
  }
}

async function clientRun(urls: readonly string[], count: number, task = smallTask): Promise<RunFigures> {
  const { createComfyClient } = await import('../../src/client/index')
  const client = createComfyClient({ servers: [...urls], affinity: 'task', maxTasksPerServer: Math.ceil(IN_FLIGHT / urls.length), persist: false, logger: false, taskRetention: 0, WebSocket })
  let requests = 0
  const routes: Record<string, number> = {}
  let ended = (_server: string): void => {}
  client.http.interceptors.request.use((config) => {
    requests++
    const route = `${(config.method ?? 'get').toUpperCase()} ${(config.url ?? '').split('?')[0]!.replace(/[0-9a-f-]{36}/g, '{id}')}`
    routes[route] = (routes[route] ?? 0) + 1
    return config
  }, undefined, { synchronous: true }) // as the client's own: an asynchronous one would put every request of the client through axios's promise chain
  // A task's end, as the floor notes it: its history read answered (the client names the server of every call).
  client.http.interceptors.response.use((response) => {
    if (response.config.url?.startsWith('/history/') && response.config.baseURL !== undefined)
      ended(response.config.baseURL)
    return response
  })
  try {
    return { ...await measure(urls, async (end) => {
      ended = end
      await limited(count, IN_FLIGHT, async () => {
        await (await client.submit(task())).result
      })
      return requests
    }, judged(task, count)), routes }
  }
  finally {
    client.dispose()
  }
}

/** Floor, client, client, floor: a burst of load from elsewhere on a shared machine lands on both sides alike. */
async function interleaved(urls: readonly string[], task: () => Workflow, pairs: number): Promise<{ floorRuns: RunFigures[], clientRuns: RunFigures[] }> {
  const floorRuns: RunFigures[] = []
  const clientRuns: RunFigures[] = []
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      floorRuns.push(await floorRun(urls, TASKS, task))
      clientRuns.push(await clientRun(urls, TASKS, task))
    }
    else {
      clientRuns.push(await clientRun(urls, TASKS, task))
      floorRuns.push(await floorRun(urls, TASKS, task))
    }
  }
  return { floorRuns, clientRuns }
}

export async function benchFleet(): Promise<BenchResult[]> {
  const { urls, stop } = await startSimulatorProcess(Array.from({ length: SERVERS }, () => 1))
  simPid = simulatorsPid()
  try {
    // Both sides warm up on both workflows: the client's first run of the timed one would otherwise pay for its
    // progress frames' code paths and node info of one more class, a cost of starting, not of placement.
    for (const task of [smallTask, timedTask]) {
      await floorRun(urls, WARM_UP, task)
      await clientRun(urls, WARM_UP, task)
    }
    // (One run each put the whole burst of outside load on whichever side it hit, and the makespan ratio swung from 0.8
    // to 1.7: hence floor, client, client, floor.)
    const { floorRuns, clientRuns } = await interleaved(urls, smallTask, RUNS)
    const timed = makespanFigures(await interleaved(urls, timedTask, TIMED_PAIRS))
    const cpuBound = makespanFigures({ floorRuns, clientRuns })
    const floor = total(floorRuns)
    const client = total(clientRuns)
    const cpuRatio = client.cpuMs / floor.cpuMs
    const perTask = client.requests / (RUNS * TASKS)
    const details = { tasks: TASKS, runsPerSide: RUNS, servers: SERVERS, inFlight: IN_FLIGHT, client, floor, clientRuns, floorRuns }
    const busy = cpuBound.details.simulatorsBusy as { client: number[], floor: number[] }
    return [
      {
        id: 'fleet-cpu',
        name: `fleet: client CPU per task (${TASKS} tasks, ${SERVERS} servers, ${IN_FLIGHT} in flight)`,
        measured: `${fmt(client.cpuMs / (RUNS * TASKS), 2)} ms/task`,
        baseline: `${fmt(floor.cpuMs / (RUNS * TASKS), 2)} ms/task (hand-rolled floor)`,
        ratio: round(cpuRatio),
        target: { op: '<=', value: 1.5 },
        verdict: verdictOf(cpuRatio, { op: '<=', value: 1.5 }),
        details,
      },
      {
        id: 'fleet-requests',
        name: 'fleet: HTTP requests per task',
        measured: `${fmt(perTask, 2)} req/task`,
        baseline: `${fmt(floor.requests / (RUNS * TASKS), 2)} req/task (floor)`,
        ratio: round(perTask / (floor.requests / (RUNS * TASKS))),
        value: round(perTask, 2),
        target: { op: '<=', value: 2.2, of: 'value', unit: 'req/task' },
        verdict: verdictOf(perTask, { op: '<=', value: 2.2 }),
        details: { clientRequests: client.requests, floorRequests: floor.requests, routes: client.routes },
        notes: [`the client's requests by route: ${Object.entries(client.routes ?? {}).sort((a, b) => b[1] - a[1]).map(([route, n]) => `${route} ${n}`).join(', ')}`],
      },
      {
        id: 'fleet-makespan',
        name: `fleet: makespan ÷ the floor's (${SERVER_MS} ms of server time per task)`,
        measured: `${fmt((timed.details.clientMs as number) / 1000, 2)} s (${TIMED_PAIRS} runs)`,
        baseline: `${fmt((timed.details.floorMs as number) / 1000, 2)} s (floor, ${TIMED_PAIRS} runs)`,
        ratio: round(timed.medianPairRatio),
        target: { op: '<=', value: 1.03 },
        verdict: verdictOf(timed.medianPairRatio, { op: '<=', value: 1.03 }),
        details: timed.details,
        notes: [
          `median of the pairs' ratios ${(timed.details.perPair as number[]).join(', ')}; ratio of the sums ${fmt(timed.ratio, 3)}; ideal ${fmt(TASKS * SERVER_MS / SERVERS / 1000, 2)} s a run`,
          `per unit of the servers' own busy time (what they left idle, not how fast they ran): pairs ${(timed.details.perPairPerServerBusyTime as number[]).join(', ')}; servers idle ${fmtShares(timed.details.serversIdleShare, 'client')} of the client's runs, ${fmtShares(timed.details.serversIdleShare, 'floor')} of the floor's`,
        ],
      },
      {
        id: 'fleet-makespan-cpu',
        name: 'fleet: makespan ÷ the floor\'s, instant servers (CPU-bound)',
        measured: `${fmt(client.makespanMs / 1000, 2)} s (${RUNS} runs)`,
        baseline: `${fmt(floor.makespanMs / 1000, 2)} s (floor, ${RUNS} runs)`,
        ratio: round(cpuBound.ratio),
        target: null,
        verdict: verdictOf(cpuBound.ratio, null),
        details: cpuBound.details,
        notes: [`the simulators' process was busy ${busy.client.join(', ')} of the client's runs and ${busy.floor.join(', ')} of the floor's: servers that do no work wait on the client's CPU, so this ratio follows fleet-cpu`],
      },
    ]
  }
  finally {
    await stop()
  }
}
