// Bench: a fleet. One client in this Node process, 8 simulators in another (as real servers run elsewhere), 1,000
// small tasks with 50 in flight, twice per side (floor, client, client, floor). Against a hand-rolled floor in the same
// run, on the same servers: one socket per server, `POST /prompt` with a minted id, the `execution_success` frame,
// `GET /history/{id}` — the least any client that reads its results can do. Measured: the client's CPU per task ÷ the
// floor's, its HTTP requests per task (the floor needs 2) and its makespan ÷ the floor's.
import type { BenchResult } from './stats'
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { startSimulatorProcess } from '../helpers/sim-process'
import { fmt, now, round, verdictOf } from './stats'

const SERVERS = 8
const TASKS = 1000
const IN_FLIGHT = 50
const WARM_UP = 80
/** Runs of each side, interleaved floor, client, client, floor; the figures are their sums. */
const RUNS = 2

type Workflow = Record<string, { class_type: string, inputs: Record<string, unknown> }>
let colour = 0
/** Distinct colours, so ComfyUI's cache (which the simulator reproduces) never skips a task's work. */
function smallTask(): Workflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 4, height: 4, batch_size: 1, color: colour++ % 0xFFFFFF } },
    2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'fleet' } },
  }
}

interface RunFigures {
  cpuMs: number
  requests: number
  makespanMs: number
  /** The client's requests by route (ids replaced by `{id}`), to see where requests beyond the floor's 2 go. */
  routes?: Record<string, number>
}

/** The sum of several runs of one side. */
function total(runs: readonly RunFigures[]): RunFigures {
  const routes: Record<string, number> = {}
  for (const run of runs) {
    for (const [route, n] of Object.entries(run.routes ?? {})) routes[route] = (routes[route] ?? 0) + n
  }
  return {
    cpuMs: runs.reduce((sum, run) => sum + run.cpuMs, 0),
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    makespanMs: runs.reduce((sum, run) => sum + run.makespanMs, 0),
    routes,
  }
}

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

async function measure(run: () => Promise<number>): Promise<RunFigures> {
  const cpu = process.cpuUsage()
  const start = now()
  const requests = await run()
  const makespanMs = now() - start
  const used = process.cpuUsage(cpu)
  return { cpuMs: (used.user + used.system) / 1000, requests, makespanMs }
}

/** The floor: one socket per server, POST /prompt, the success frame, GET /history/{id}. */
async function floorRun(urls: readonly string[], count: number): Promise<RunFigures> {
  const clientId = randomUUID()
  const waiting = new Map<string, () => void>()
  const sockets = await Promise.all(urls.map(url => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=${clientId}`)
    ws.on('message', (data, binary) => {
      if (binary)
        return
      const message = JSON.parse(String(data)) as { type: string, data?: { prompt_id?: string } }
      if (message.type === 'execution_success' || message.type === 'execution_error')
        waiting.get(message.data?.prompt_id ?? '')?.()
    })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })))
  const inFlight = urls.map(() => 0)
  try {
    return await measure(async () => {
      let requests = 0
      await limited(count, IN_FLIGHT, async () => {
        const index = inFlight.indexOf(Math.min(...inFlight))
        const url = urls[index]!
        inFlight[index]!++
        const promptId = randomUUID()
        const done = new Promise<void>(resolve => waiting.set(promptId, resolve))
        const posted = await fetch(`${url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: smallTask(), client_id: clientId, prompt_id: promptId }) })
        await posted.arrayBuffer()
        await done
        waiting.delete(promptId)
        await (await fetch(`${url}/history/${promptId}`)).json()
        requests += 2
        inFlight[index]!--
      })
      return requests
    })
  }
  finally {
    for (const ws of sockets) ws.close()
  }
}

async function clientRun(urls: readonly string[], count: number): Promise<RunFigures> {
  const { createComfyClient } = await import('../../src/client/index')
  const client = createComfyClient({ servers: [...urls], affinity: 'task', maxTasksPerServer: Math.ceil(IN_FLIGHT / urls.length), persist: false, logger: false, taskRetention: 0, WebSocket })
  let requests = 0
  const routes: Record<string, number> = {}
  client.http.interceptors.request.use((config) => {
    requests++
    const route = `${(config.method ?? 'get').toUpperCase()} ${(config.url ?? '').split('?')[0]!.replace(/[0-9a-f-]{36}/g, '{id}')}`
    routes[route] = (routes[route] ?? 0) + 1
    return config
  }, undefined, { synchronous: true }) // as the client's own: an asynchronous one would put every request of the client through axios's promise chain
  try {
    return { ...await measure(async () => {
      await limited(count, IN_FLIGHT, async () => {
        await (await client.submit(smallTask())).result
      })
      return requests
    }), routes }
  }
  finally {
    client.dispose()
  }
}

export async function benchFleet(): Promise<BenchResult[]> {
  const { urls, stop } = await startSimulatorProcess(Array.from({ length: SERVERS }, () => 1))
  try {
    await floorRun(urls, WARM_UP)
    await clientRun(urls, WARM_UP)
    // Floor, client, client, floor: a burst of load from elsewhere on a shared machine lands on both sides alike (one
    // run each put the whole burst on whichever side it hit, and the makespan ratio swung from 0.8 to 1.7).
    const floorRuns = [await floorRun(urls, TASKS)]
    const clientRuns = [await clientRun(urls, TASKS), await clientRun(urls, TASKS)]
    floorRuns.push(await floorRun(urls, TASKS))
    const floor = total(floorRuns)
    const client = total(clientRuns)
    const cpuRatio = client.cpuMs / floor.cpuMs
    const perTask = client.requests / (RUNS * TASKS)
    const makespan = client.makespanMs / floor.makespanMs
    const details = { tasks: TASKS, runsPerSide: RUNS, servers: SERVERS, inFlight: IN_FLIGHT, client, floor, clientRuns, floorRuns, makespanRatioPerPair: [clientRuns[0]!.makespanMs / floorRuns[0]!.makespanMs, clientRuns[1]!.makespanMs / floorRuns[1]!.makespanMs].map(x => round(x)) }
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
        name: 'fleet: makespan ÷ the floor\'s',
        measured: `${fmt(client.makespanMs / 1000, 2)} s (${RUNS} runs)`,
        baseline: `${fmt(floor.makespanMs / 1000, 2)} s (floor, ${RUNS} runs)`,
        ratio: round(makespan),
        target: { op: '<=', value: 1.03 },
        verdict: verdictOf(makespan, { op: '<=', value: 1.03 }),
        details: { clientMs: client.makespanMs, floorMs: floor.makespanMs, perPair: details.makespanRatioPerPair },
      },
    ]
  }
  finally {
    await stop()
  }
}
