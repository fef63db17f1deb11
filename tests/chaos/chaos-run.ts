// The chaos scenario engine, shared by `npm run chaos` (tests/bench/chaos.ts) and the CI test (chaos.test.ts).
//
// Several mounted stores (one per client, each its own Pinia and clientId) submit a seeded workload to three
// simulators while a seeded fault schedule drops sockets, silences them, takes servers down for less than maxOutage
// and restarts them. When the workload has ended, everything is checked from the simulators' request logs, the
// client-side sockets and the stores (see invariants.ts), then the stores are unmounted and leftovers are looked for.
//
// Needs DOM globals (vueuse's useWebSocket only runs where `window` and `document` exist): run it in vitest's happy-dom
// environment, or install that environment first (tests/chaos/dom.ts) and import this module afterwards.
import type { ComfyPluginOptions, ComfyTaskHandle, TaskState } from '../../src/index'
import type { ComfySimulator } from '../../src/testing/index'
import type { Mounted } from '../helpers/mount-comfy'
import type { ChaosPlan, FaultKind, PlanConfig, PlannedFault, PlannedTask } from './schedule'
import type { ClientTimeline, FaultRecord, Interval, Invariant, Outcome, TaskRecord } from './invariants'
import { effectScope, watch } from 'vue'
import { isComfyTetherError } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { mountComfy } from '../helpers/mount-comfy'
import { poll, sleep } from '../helpers/wait'
import { emptyImageWorkflow, slowWorkflow } from '../helpers/workflows'
import { checkInvariants, measureRecovery, percentile } from './invariants'
import type { OutcomeFaultConfig, OutcomeFaultRecord } from './outcome-faults'
import { createOutcomeFaults, OUTCOME_FULL, OUTCOME_SMALL } from './outcome-faults'
import { buildPlan, FAULT_KINDS } from './schedule'
import { startUrlTricks } from './url-tricks'

/** Everything a chaos run needs. */
export interface ChaosConfig extends PlanConfig {
  /** Simulator time factor (TestSlowProgress sleeps this many times shorter). */
  speed: number
  /** The slow workflow: steps (each a progress frame and a preview) over `seconds` (before the speed factor). */
  slow: { steps: number, seconds: number }
  /** Store options on top of the tests' FAST set (see tests/helpers/mount-comfy.ts). */
  store: Partial<ComfyPluginOptions>
  /**
   * How long a `delay` fault holds each answer back: above the store's requestTimeout, so that calls time out after
   * the server has acted on them (a POST /prompt whose answer is lost: it must be looked up, not sent again).
   */
  responseDelayMs: number
  /** The workload is cut off after this long (then the run reports the tasks still pending as failures). */
  deadlineMs: number
  /** The faults of issue #12 (outcome-faults.ts): black hole, dead locked server + abandon, lost frames, refused upgrade, cancels. */
  outcomeFaults?: OutcomeFaultConfig
  /** Progress lines. */
  onProgress?: (line: string) => void
}

/** The full run: 1,200 tasks from 6 clients on 3 servers, ~50 faults. About a minute on 2 cores. */
export const CHAOS_FULL: Omit<ChaosConfig, 'seed'> = {
  tasks: 1200,
  clients: 6,
  servers: 3,
  speed: 20,
  faults: { drop: 16, silent: 10, outage: 10, restart: 6, delay: 6, malformed: 6 },
  burst: [1, 8],
  thinkMs: [0, 500],
  slowShare: 0.25,
  concurrentShare: 0.3,
  overlapShare: 0.2,
  silentMs: [150, 900],
  outageMs: [100, 1500],
  restartDowntimeMs: [0, 400],
  delayWindowMs: [100, 600],
  responseDelayMs: 3500,
  slow: { steps: 6, seconds: 3 },
  // maxOutage stays well above the longest outage (1.5 s), so no task may be lost to an outage; requestTimeout below
  // responseDelayMs, so delayed answers are lost answers.
  store: { maxOutage: 4000, requestTimeout: 3000 },
  deadlineMs: 150_000,
  outcomeFaults: OUTCOME_FULL,
}

/** The CI run: the same code, 60 tasks, a few faults of every kind. Well under 30 s. */
export const CHAOS_SMALL: Omit<ChaosConfig, 'seed'> = {
  ...CHAOS_FULL,
  tasks: 60,
  clients: 3,
  faults: { drop: 2, silent: 1, outage: 1, restart: 1, delay: 1, malformed: 1 },
  burst: [1, 5],
  thinkMs: [0, 250],
  deadlineMs: 20_000,
  outcomeFaults: OUTCOME_SMALL,
}

export interface ChaosReport {
  seed: number
  fingerprint: string
  config: Omit<ChaosConfig, 'onProgress'>
  startedAt: string
  durationMs: number
  servers: { url: string, label: string, tasks: number, requests: number, restarts: number }[]
  tasks: { planned: number, submitted: number, settled: number }
  submitRefusals: Record<string, number>
  faults: FaultRecord[]
  faultsByKind: Record<FaultKind, { planned: number, fired: number, withPending: number, recoveryP50: number | null, recoveryP95: number | null }>
  recovery: { samples: number, p50: number | null, p95: number | null, max: number | null }
  outcomes: Record<string, number>
  lostByCause: Record<string, number>
  invariants: Invariant[]
  violations: ReturnType<typeof checkInvariants>['violations']
  leftovers: { simClients: number, openClientSockets: number, timers: number, handles: Record<string, number> }
  /** POST /prompt calls whose answer was lost (timeout, refused): the store looked the task up instead of resending. */
  unansweredSubmits: number
  /** Malformed frames the stores counted (and ignored). */
  malformedFramesCounted: number
  /** Failed requests happy-dom's fetch logged to the console (as a browser does), counted instead of printed. */
  networkErrorsLogged: number
  /** The faults of outcome-faults.ts as they happened. */
  outcomeFaults: OutcomeFaultRecord[]
  /** Every invariant holds. */
  ok: boolean
}

const TERMINAL: ReadonlySet<string> = new Set<TaskState>(['succeeded', 'failed', 'interrupted', 'cancelled', 'lost'])

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {}
  for (const [kind, n] of Object.entries(after)) {
    const d = n - (before[kind] ?? 0)
    if (d > 0)
      diff[kind] = d
  }
  return diff
}

type SocketCtor = typeof WebSocket

/**
 * Wraps the global WebSocket so every socket the stores open is seen: its URL (server and clientId) at creation,
 * checked against the client's lock at that very moment, and its readyState at the end.
 */
function trackSockets(onCreate: (socket: WebSocket, url: URL) => void): { sockets: WebSocket[], restore: () => void } {
  const Original: SocketCtor = globalThis.WebSocket
  const sockets: WebSocket[] = []
  class TrackedWebSocket extends Original {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      sockets.push(this)
      onCreate(this, new URL(String(url)))
    }
  }
  globalThis.WebSocket = TrackedWebSocket as SocketCtor
  return { sockets, restore: () => void (globalThis.WebSocket = Original) }
}

interface Client {
  index: number
  mounted: Mounted
  clientId: string
  timeline: ClientTimeline
}

/** Runs one chaos scenario and checks its invariants. Never throws for a failed invariant: read `report.ok`. */
export async function runChaos(config: ChaosConfig): Promise<ChaosReport> {
  const progress = config.onProgress ?? (() => {})
  const plan: ChaosPlan = buildPlan(config)
  const startedAt = Date.now()
  const baseline = resourceCounts()
  const started = await startSimulators(config.servers, i => ({ speed: config.speed, label: `chaos-${i}` }))
  const sims: ComfySimulator[] = started.sims
  const urls = started.urls
  const scope = effectScope(true)
  const clients: Client[] = []
  const ledger = new Map<string, TaskRecord>()
  const records: TaskRecord[] = []
  const faults: FaultRecord[] = []
  const submitRefusals: Record<string, number> = {}
  const socketViolations: { client: number, url: string, lock: string | null, at: number }[] = []
  const byClientId = new Map<string, Client>()
  const tracker = trackSockets((_socket, url) => {
    const client = byClientId.get(url.searchParams.get('clientId') ?? '')
    if (!client)
      return
    // A socket belongs to the lock it is opened for: the store creates it while it takes the lock (before the lock
    // shows), or while it holds it (reconnects). Either way, once the current task of the event loop is done, the
    // client's lock must be on the socket's server.
    const at = Date.now()
    queueMicrotask(() => {
      const lock = client.mounted.store.lock?.server ?? null
      if (lock !== `http://${url.host}`)
        socketViolations.push({ client: client.index, url: url.href, lock, at })
    })
  })

  // happy-dom's fetch logs every failed request to the console, as a browser does: during outages that is hundreds of
  // ECONNREFUSED lines. Count them instead; anything else still goes through.
  let networkErrorsLogged = 0
  const consoleError = console.error
  console.error = (...args: unknown[]): void => {
    const code = (args[0] as { code?: unknown } | undefined)?.code
    if (args.length === 1 && args[0] instanceof Error && typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code)) {
      networkErrorsLogged++
      return
    }
    consoleError.apply(console, args)
  }

  let submitted = 0
  let nextFault = 0
  const chains: Promise<void>[] = sims.map(() => Promise.resolve())
  let stopFaults = false
  let urlTricks: Awaited<ReturnType<typeof startUrlTricks>> | undefined
  const outcome = createOutcomeFaults({ seed: config.seed, tasks: config.tasks, config: config.outcomeFaults ?? { faults: { 'black-hole': 0, 'dead-locked': 0, 'lose-executed': 0, 'refuse-upgrade': 0 }, cancelShare: 0 }, sims, stores: () => clients.map(c => c.mounted.store), progress })

  try {
    // ── clients ──────────────────────────────────────────────────────────────────────────────────────────────
    for (let i = 0; i < config.clients; i++) {
      const mounted = mountComfy({
        servers: urls.map(url => ({ url, headers: { 'x-chaos-client': `c${i}` } })),
        // Keep every task and every log entry, so the stores themselves can be checked at the end.
        taskRetention: config.tasks,
        logLimit: 1_000_000,
        ...config.store,
      })
      // The invariant is about where a request was *sent* while the lock held: a request the simulator's `delay`
      // fault held back (its CORS preflight) may arrive after the lock moved on. Stamp the time the client sent it.
      mounted.store._httpInstance().interceptors.request.use((config) => {
        config.headers.set('x-chaos-sent', String(Date.now()))
        return config
      })
      const timeline: ClientTimeline = { index: i, clientId: mounted.store.clientId, locks: [], held: [] }
      const client: Client = { index: i, mounted, clientId: mounted.store.clientId, timeline }
      clients.push(client)
      byClientId.set(client.clientId, client)
      const { store } = mounted
      const follow = (intervals: Interval[]) => (server: string | null): void => {
        const now = Date.now()
        const last = intervals.at(-1)
        if (last && last.to === null) {
          if (last.server === server)
            return
          last.to = now
        }
        if (server !== null)
          intervals.push({ server, from: now, to: null })
      }
      scope.run(() => {
        watch(() => store.lock?.server ?? null, follow(timeline.locks), { flush: 'sync', immediate: true })
        // "Held": the lock decides where calls go (lock set, and tasks pending or its socket open; see lockedServerFor).
        watch(() => (store.lock && (store.pendingCount > 0 || store.socket.status === 'OPEN') ? store.lock.server : null), follow(timeline.held), { flush: 'sync', immediate: true })
      })
    }

    urlTricks = await startUrlTricks(sims, progress)
    // ── faults ───────────────────────────────────────────────────────────────────────────────────────────────
    const pendingOn = (server: string): { client: number, promptIds: string[] }[] => clients
      .map(c => ({ client: c.index, promptIds: [...c.mounted.store.tasks.values()].filter(t => t.server === server && !TERMINAL.has(t.state)).map(t => t.promptId) }))
      .filter(a => a.promptIds.length > 0)

    const runFault = async (fault: PlannedFault): Promise<void> => {
      if (stopFaults)
        return
      const sim = sims[fault.sim]!
      const startedAtMs = Date.now()
      const before = pendingOn(sim.url)
      let effectiveAt = startedAtMs
      switch (fault.kind) {
        case 'drop':
          sim.dropSockets()
          break
        case 'malformed':
          sim.sendMalformedFrame(fault.frame!)
          break
        case 'silent':
          // Recovery is timed from the start: the client has to notice the silence by itself.
          sim.setSilent(true)
          await sleep(fault.durationMs)
          sim.setSilent(false)
          break
        case 'outage':
          await sim.goDown()
          await sleep(fault.durationMs)
          await sim.comeUp()
          effectiveAt = Date.now()
          break
        case 'restart':
          await sim.restart({ downtimeMs: fault.durationMs })
          effectiveAt = Date.now()
          break
        case 'delay':
          // Answers to requests that arrive in the window come responseDelayMs late: after the client gave up.
          sim.delayResponses(config.responseDelayMs)
          await sleep(fault.durationMs)
          sim.delayResponses(0)
          break
      }
      const after = fault.kind === 'outage' || fault.kind === 'restart' ? pendingOn(sim.url) : []
      const affected = new Map<number, Set<string>>()
      for (const a of [...before, ...after]) {
        const set = affected.get(a.client) ?? new Set<string>()
        for (const id of a.promptIds) set.add(id)
        affected.set(a.client, set)
      }
      faults.push({
        ...fault,
        server: sim.url,
        startedAt: startedAtMs,
        effectiveAt,
        endedAt: Date.now(),
        affected: [...affected].map(([client, ids]) => ({ client, promptIds: [...ids] })),
        recoveryMs: null,
      })
    }

    const fireDue = (): void => {
      if (!stopFaults)
        outcome.fireDue(submitted)
      while (nextFault < plan.faults.length && plan.faults[nextFault]!.afterSubmitted <= submitted) {
        const fault = plan.faults[nextFault++]!
        chains[fault.sim] = chains[fault.sim]!.then(() => runFault(fault)).catch((error: unknown) => {
          progress(`fault ${fault.id} (${fault.kind}) failed to run: ${String(error)}`)
        })
      }
    }

    // ── workload ─────────────────────────────────────────────────────────────────────────────────────────────
    const deadline = startedAt + config.deadlineMs
    // Resolves once submit() has returned, with the task's settlement wrapped (an async function would otherwise
    // adopt the inner promise and wait for the task to end).
    const submitOne = async (client: Client, task: PlannedTask): Promise<{ settled: Promise<void> }> => {
      const { store } = client.mounted
      submitted++
      fireDue()
      const workflow = outcome.workflow(task.workflow === 'slow'
        ? slowWorkflow(config.slow.steps, config.slow.seconds, task.color)
        : emptyImageWorkflow(task.color, `chaos-${task.index}`), task.index, task.workflow === 'slow')
      let handle: ComfyTaskHandle | undefined
      // A submit is refused only when no server answers the health check (all down at once): the app would retry.
      while (!handle && Date.now() < deadline) {
        try {
          handle = await store.submit(workflow)
        }
        catch (error) {
          const code = isComfyTetherError(error) ? error.code : String(error)
          submitRefusals[code] = (submitRefusals[code] ?? 0) + 1
          await sleep(100)
        }
      }
      if (!handle)
        return { settled: Promise.resolve() }
      const task0 = handle.task.value!
      const record: TaskRecord = {
        index: task.index,
        client: client.index,
        promptId: handle.promptId,
        server: task0.server,
        workflow: task.workflow,
        createdAt: task0.createdAt,
        states: [],
        outcome: null,
      }
      records.push(record)
      ledger.set(record.promptId, record)
      outcome.onHandle(store, handle)
      const h = handle
      scope.run(() => {
        const stop = watch(() => h.task.value?.state, (state) => {
          if (state)
            record.states.push({ state, at: Date.now() })
          if (state && TERMINAL.has(state))
            queueMicrotask(() => stop())
        }, { flush: 'sync', immediate: true })
      })
      const settled = h.result.then(
        (result) => {
          const outcome: Outcome = { at: Date.now(), state: 'succeeded', server: result.server, images: result.images.length, imageUrls: result.imageUrls, outputNodes: Object.keys(result.outputs), code: null, reason: null, settles: (record.outcome?.settles ?? 0) + 1 }
          record.outcome = outcome
        },
        (error: unknown) => {
          const state: TaskState | 'unknown' = h.task.value?.state ?? 'unknown'
          record.outcome = {
            at: Date.now(),
            state,
            server: isComfyTetherError(error) && 'server' in error ? String(error.server) : null,
            images: 0,
            imageUrls: [],
            outputNodes: [],
            code: isComfyTetherError(error) ? error.code : String(error),
            reason: isComfyTetherError(error, 'TASK_LOST') ? (error as unknown as { reason: string }).reason : null,
            settles: (record.outcome?.settles ?? 0) + 1,
          }
        },
      )
      return { settled }
    }

    const runClient = async (client: Client): Promise<void> => {
      const outstanding: Promise<void>[] = []
      for (const burst of plan.clients[client.index]!) {
        if (Date.now() > deadline)
          break
        await sleep(burst.thinkMs)
        let settled: Promise<void>[]
        if (burst.concurrent) {
          settled = (await Promise.all(burst.tasks.map(t => submitOne(client, t)))).map(s => s.settled)
        }
        else {
          settled = []
          for (const t of burst.tasks) settled.push((await submitOne(client, t)).settled)
        }
        if (burst.overlap)
          outstanding.push(...settled)
        else
          await Promise.all(settled)
      }
      await Promise.all(outstanding)
    }

    let ticker: ReturnType<typeof setInterval> | undefined
    try {
      ticker = setInterval(() => {
        const settled = records.filter(r => r.outcome).length
        progress(`${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${submitted}/${config.tasks} submitted, ${settled} ended, ${faults.length}/${plan.faults.length} faults`)
      }, 5000)
      let timer: ReturnType<typeof setTimeout> | undefined
      const finished = await Promise.race([
        Promise.all(clients.map(runClient)).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
        }),
      ])
      clearTimeout(timer)
      if (!finished)
        progress(`deadline of ${config.deadlineMs} ms reached with ${records.filter(r => !r.outcome).length} task(s) unsettled`)
      // Fire what is left of the schedule (only if the deadline cut the workload short), then let every fault end.
      submitted = Math.max(submitted, config.tasks)
      if (!finished)
        stopFaults = true
      fireDue()
      await Promise.all(chains)
      await outcome.finish()
      // Every server is up again: give the stores time to release (bounded by maxOutage + grace).
      const maxOutage = config.store.maxOutage ?? 5000
      await poll(() => clients.every(c => c.mounted.store.lock === null && c.mounted.store.pendingCount === 0), maxOutage + 5000)
    }
    finally {
      clearInterval(ticker)
    }

    const trickCheck = await urlTricks.stop()
    // ── checks, while the stores are still mounted ────────────────────────────────────────────────────────────
    const maxOutage = config.store.maxOutage ?? 5000
    const check = checkInvariants({
      sims: sims.map(s => ({ url: s.url, requests: s.requests })),
      records,
      ledger,
      clients: clients.map(c => ({
        timeline: c.timeline,
        lock: c.mounted.store.lock?.server ?? null,
        pendingCount: c.mounted.store.pendingCount,
        log: c.mounted.store.log,
        tasks: [...c.mounted.store.tasks.values()].map(t => ({ promptId: t.promptId, state: t.state, server: t.server })),
      })),
      faults,
      maxOutage,
      socketViolations,
      explain: outcome.explain,
    })
    const outcomeCheck = await outcome.check(records)
    measureRecovery(faults, records, clients.map(c => c.mounted.store.log))
    const malformedFramesCounted = clients.reduce((n, c) => n + c.mounted.store.malformedFrames, 0)
    const unansweredSubmits = clients.reduce((n, c) => n + c.mounted.store.log.filter(e => e.kind === 'reconcile' && e.message.includes('got no answer')).length, 0)

    // ── teardown and leftovers ───────────────────────────────────────────────────────────────────────────────
    scope.stop()
    for (const c of clients) c.mounted.unmount()
    await poll(() => sims.every(s => s.state.connectedClients.length === 0), 3000)
    const simClients = sims.reduce((n, s) => n + s.state.connectedClients.length, 0)
    await poll(() => tracker.sockets.every(ws => ws.readyState === WebSocket.CLOSED), 3000)
    const openClientSockets = tracker.sockets.filter(ws => ws.readyState !== WebSocket.CLOSED).length
    // ws keeps a close-handshake timer until the server answers; give the loopback a moment. Answers a `delay` fault
    // held back are simulator timers: let the last of them go out first.
    const lastDelay = Math.max(0, ...faults.filter(f => f.kind === 'delay').map(f => f.endedAt + config.responseDelayMs))
    await sleep(Math.max(200, lastDelay + 100 - Date.now()))
    const timersLeft = diffCounts(resourceCounts(), baseline).Timeout ?? 0
    await started.close()
    await sleep(50)
    const handles = diffCounts(resourceCounts(), baseline)

    const leftovers = { simClients, openClientSockets, timers: timersLeft, handles }
    const invariants: Invariant[] = [
      ...check.invariants,
      ...trickCheck.invariants,
      ...outcomeCheck.invariants,
      { name: 'sockets closed on the servers after unmount', value: simClients, ok: simClients === 0 },
      { name: 'client sockets closed after unmount', value: openClientSockets, ok: openClientSockets === 0 },
      { name: 'timers left after unmount', value: timersLeft, ok: timersLeft === 0 },
    ]

    const byKind = Object.fromEntries(FAULT_KINDS.map((kind) => {
      const list = faults.filter(f => f.kind === kind)
      const rec = list.map(f => f.recoveryMs).filter((n): n is number => n !== null)
      return [kind, { planned: plan.faults.filter(f => f.kind === kind).length, fired: list.length, withPending: list.filter(f => f.affected.length > 0).length, recoveryP50: percentile(rec, 50), recoveryP95: percentile(rec, 95) }]
    })) as ChaosReport['faultsByKind']
    const allRecovery = faults.map(f => f.recoveryMs).filter((n): n is number => n !== null)
    const outcomes: Record<string, number> = {}
    for (const r of records) {
      const state = r.outcome?.state ?? 'unsettled'
      outcomes[state] = (outcomes[state] ?? 0) + 1
    }
    const { onProgress: _ignored, ...plainConfig } = config
    return {
      seed: config.seed,
      fingerprint: plan.fingerprint,
      config: plainConfig,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      servers: sims.map(s => ({ url: s.url, label: s.label, tasks: records.filter(r => r.server === s.url).length, requests: s.requests.length, restarts: s.state.restarts })),
      tasks: { planned: config.tasks, submitted: records.length, settled: records.filter(r => r.outcome).length },
      submitRefusals,
      faults,
      faultsByKind: byKind,
      recovery: { samples: allRecovery.length, p50: percentile(allRecovery, 50), p95: percentile(allRecovery, 95), max: allRecovery.length ? Math.max(...allRecovery) : null },
      outcomes,
      lostByCause: check.lostByCause,
      invariants,
      violations: [...check.violations, ...trickCheck.violations, ...outcomeCheck.violations],
      leftovers,
      unansweredSubmits,
      malformedFramesCounted,
      networkErrorsLogged,
      outcomeFaults: outcome.records,
      ok: invariants.every(i => i.ok),
    }
  }
  finally {
    await urlTricks?.stop()
    console.error = consoleError
    tracker.restore()
    scope.stop()
    for (const c of clients) c.mounted.unmount()
    await started.close()
  }
}
