// What a chaos run must prove, computed from plain data: the simulators' request logs, the tasks as the run saw them
// settle, the clients' lock timelines and the stores' own state and lock event logs. Pure: no Vue, no sockets.
import type { LockEvent, TaskState } from '../../src/index'
import type { SimulatorRequest } from '../../src/testing/index'
import type { PlannedFault } from './schedule'

/** A span of time during which a client's lock (or held lock) was on `server`; `to` is null while it lasts. */
export interface Interval {
  server: string
  from: number
  to: number | null
}

/** One client's lock history. `held`: the lock decides where calls go (lock set, and tasks pending or socket open). */
export interface ClientTimeline {
  index: number
  clientId: string
  locks: Interval[]
  held: Interval[]
}

/** How a task's `result` settled. */
export interface Outcome {
  at: number
  state: TaskState | 'unknown'
  server: string | null
  images: number
  imageUrls: string[]
  outputNodes: string[]
  code: string | null
  reason: string | null
  /** How many times the result settled (a promise cannot settle twice; kept as a guard on this harness). */
  settles: number
}

/** One submitted task as the run followed it. */
export interface TaskRecord {
  index: number
  client: number
  promptId: string
  /** The server the task was tethered to when `submit()` returned. */
  server: string
  workflow: 'empty' | 'slow'
  createdAt: number
  /** Every state the task's reactive handle went through, with when. */
  states: { state: TaskState, at: number }[]
  outcome: Outcome | null
}

/** A fault as it happened. */
export interface FaultRecord extends PlannedFault {
  server: string
  startedAt: number
  /** From when recovery is timed: the drop, the start of the silence, the server listening again. */
  effectiveAt: number
  endedAt: number
  /** Clients with tasks pending on the server when the fault began (or, for outages and restarts, when it ended). */
  affected: { client: number, promptIds: string[] }[]
  /** Fault → every affected client showed life again (a state change of its affected tasks, or a reconcile). */
  recoveryMs: number | null
}

export interface Invariant {
  name: string
  value: number
  ok: boolean
}

export interface Violation {
  check: string
  detail: string
}

export interface InvariantInput {
  sims: { url: string, requests: readonly SimulatorRequest[] }[]
  records: TaskRecord[]
  ledger: ReadonlyMap<string, TaskRecord>
  clients: {
    timeline: ClientTimeline
    lock: string | null
    pendingCount: number
    log: readonly LockEvent[]
    tasks: { promptId: string, state: TaskState, server: string }[]
  }[]
  faults: FaultRecord[]
  maxOutage: number
  /** Sockets whose URL was not the client's locked server at the moment they were created. */
  socketViolations: { client: number, url: string, lock: string | null, at: number }[]
  /** Explains an outcome other than success that a fault of outcome-faults.ts caused (a cancel, an abandon). */
  explain?: (record: TaskRecord) => string | null
}

const TERMINAL = new Set<string>(['succeeded', 'failed', 'interrupted', 'cancelled', 'lost'])
/** Violations kept per check (the counts are exact; the samples are for reading). */
const SAMPLES = 10

function covering(intervals: readonly Interval[], t: number): Interval | undefined {
  return intervals.find(i => i.from <= t && (i.to === null || t <= i.to))
}

/** Strictly inside: a request arriving in the same millisecond as the change is not attributed to either side. */
function strictlyCovering(intervals: readonly Interval[], t: number): Interval | undefined {
  return intervals.find(i => i.from < t && (i.to === null || t < i.to))
}

/** Nearest-rank percentile, or null for no samples. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0)
    return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export function checkInvariants(input: InvariantInput): { invariants: Invariant[], violations: Violation[], lostByCause: Record<string, number> } {
  const violations: Violation[] = []
  const counts = new Map<string, number>()
  const flag = (check: string, detail: string): void => {
    counts.set(check, (counts.get(check) ?? 0) + 1)
    if (violations.filter(v => v.check === check).length < SAMPLES)
      violations.push({ check, detail })
  }

  // 1. No request of a task reached a server that does not own it (prompt ids in every simulator's log).
  let unknownIds = 0
  for (const sim of input.sims) {
    for (const e of sim.requests) {
      for (const id of e.promptIds) {
        const owner = input.ledger.get(id)
        if (!owner) {
          unknownIds++
          continue
        }
        if (owner.server !== sim.url)
          flag('cross-server', `${e.method ?? e.kind} ${e.path} for task ${id} (client c${owner.client}) reached ${sim.url}; the task is on ${owner.server}`)
      }
    }
  }

  // 2. While a client's lock held, every HTTP request it sent went to the locked server. Requests are attributed by
  //    the per-client header each store sends (CORS preflights carry no custom header and are skipped).
  const byHeader = new Map(input.clients.map(c => [`c${c.timeline.index}`, c.timeline]))
  for (const sim of input.sims) {
    for (const e of sim.requests) {
      if (e.kind !== 'http' || e.method === 'OPTIONS')
        continue
      const timeline = byHeader.get(e.headers?.['x-chaos-client'] ?? '')
      if (!timeline)
        continue
      // Judged at the time the client sent it (stamped by the harness), not when it arrived: a held-back request is
      // still the client's decision of that moment.
      const sentAt = Number(e.headers?.['x-chaos-sent'] ?? e.time)
      const held = strictlyCovering(timeline.held, sentAt)
      if (held && held.server !== sim.url)
        flag('off-lock request', `${e.method} ${e.path} from c${timeline.index} sent at ${sentAt} reached ${sim.url} at ${e.time} while its lock held ${held.server}`)
    }
  }

  // 3. Every socket a client opened went to its locked server: on the servers (ws-open by clientId vs the lock
  //    timeline) and in the client (the URL of each WebSocket against the lock when it was created).
  const byClientId = new Map(input.clients.map(c => [c.timeline.clientId, c.timeline]))
  for (const sim of input.sims) {
    for (const e of sim.requests) {
      if (e.kind !== 'ws-open' || !e.clientId)
        continue
      const timeline = byClientId.get(e.clientId)
      if (!timeline)
        continue
      const lock = covering(timeline.locks, e.time)
      if (lock) {
        if (lock.server !== sim.url)
          flag('off-lock socket', `socket of c${timeline.index} opened on ${sim.url} at ${e.time} while locked to ${lock.server}`)
        continue
      }
      // A connection started just before a release may be accepted just after it: it must be the last lock's server.
      const previous = timeline.locks.filter(i => i.to !== null && i.to <= e.time).at(-1)
      if (!previous || previous.server !== sim.url || e.time - previous.to! > 1000)
        flag('off-lock socket', `socket of c${timeline.index} opened on ${sim.url} at ${e.time} with no lock (last lock: ${previous ? `${previous.server} until ${previous.to}` : 'none'})`)
    }
  }
  for (const v of input.socketViolations) flag('off-lock socket', `c${v.client} created a WebSocket to ${v.url} at ${v.at} while its lock was ${v.lock ?? 'none'}`)

  // 4. No duplicated completion: each prompt id queued at most once, and each task ended (and settled) at most once.
  //    One repeat is the documented resend, not a duplicate: the first POST was never answered because its server
  //    restarted in between (so it forgot the prompt), and the client, which never heard of it, found it on neither
  //    /queue nor /history (a prompt seen running is never resent: tests/client/unanswered-post-seen-running.test.ts).
  const posts = new Map<string, number>()
  const postsOf = new Map<string, { server: string, time: number, answered: boolean }[]>()
  for (const sim of input.sims) {
    for (const e of sim.requests) {
      if (e.kind === 'http' && e.method === 'POST' && /(^|\/)prompt$/.test(e.path)) {
        for (const id of e.promptIds) {
          posts.set(id, (posts.get(id) ?? 0) + 1)
          postsOf.set(id, [...(postsOf.get(id) ?? []), { server: sim.url, time: e.time, answered: e.status !== undefined }])
        }
      }
    }
  }
  const restartsOn = (server: string, from: number, to: number): boolean =>
    input.faults.some(f => f.kind === 'restart' && f.server === server && f.startedAt >= from && f.startedAt <= to)
  for (const [id, list] of postsOf) {
    const sorted = [...list].sort((a, b) => a.time - b.time)
    const repeats = sorted.slice(1).filter((p, i) => !sorted.slice(0, i + 1).some(q => !q.answered && q.server === p.server && restartsOn(p.server, q.time, p.time)))
    if (repeats.length > 0)
      flag('duplicate POST /prompt', `task ${id} was sent ${sorted.length} times (${sorted.map(p => `${p.answered ? 'answered' : 'unanswered'} at ${p.time}`).join(', ')})`)
  }
  for (const c of input.clients) {
    const ends = new Map<string, number>()
    for (const e of c.log) {
      if (e.kind === 'task-end' && e.promptId)
        ends.set(e.promptId, (ends.get(e.promptId) ?? 0) + 1)
    }
    for (const [id, n] of ends) {
      if (n > 1)
        flag('duplicate completion', `task ${id} of c${c.timeline.index} ended ${n} times in the store's log`)
    }
  }
  for (const r of input.records) {
    if (r.outcome && r.outcome.settles > 1)
      flag('duplicate completion', `the result of task ${r.promptId} settled ${r.outcome.settles} times`)
  }

  // 5. Every task terminal: succeeded, or lost only when its server restarted or stayed down past maxOutage.
  const restarts = input.faults.filter(f => f.kind === 'restart')
  const longOutages = input.faults.filter(f => f.kind === 'outage' && f.durationMs >= input.maxOutage)
  const lostByCause: Record<string, number> = {}
  for (const r of input.records) {
    const o = r.outcome
    if (!o) {
      flag('not terminal', `task ${r.promptId} (c${r.client}, ${r.server}) never settled; last state ${r.states.at(-1)?.state ?? '?'}`)
      continue
    }
    if (o.state === 'succeeded')
      continue
    const explained = input.explain?.(r)
    if (explained) {
      lostByCause[explained] = (lostByCause[explained] ?? 0) + 1
      continue
    }
    if (o.state === 'lost') {
      const end = o.at
      const restart = restarts.find(f => f.server === r.server && f.startedAt <= end && f.endedAt >= r.createdAt)
      const outage = longOutages.find(f => f.server === r.server && f.startedAt <= end && f.endedAt >= r.createdAt)
      // Submitted into a short outage and lost without ever being sent (tests/chaos/outage-submit.test.ts guards it).
      const unsent = !restart && !outage && (posts.get(r.promptId) ?? 0) === 0
        && input.faults.some(f => f.kind === 'outage' && f.server === r.server && f.startedAt <= end && f.endedAt >= r.createdAt)
      const cause = restart ? 'server restarted' : outage ? 'outage past maxOutage' : unsent ? 'submitted into a short outage, never sent' : 'unexplained'
      const key = `${cause} (${o.reason ?? '?'})`
      lostByCause[key] = (lostByCause[key] ?? 0) + 1
      if (unsent) {
        flag('lost, never sent', `task ${r.promptId} (c${r.client}) on ${r.server}: submitted while the server was briefly down, refused, never resent, lost ${end - r.createdAt} ms after submit (reason ${o.reason})`)
      }
      else if (!restart && !outage) {
        const nearby = input.faults
          .filter(f => f.server === r.server && f.endedAt >= r.createdAt - 2000 && f.startedAt <= end)
          .map(f => `${f.kind} ${f.startedAt - r.createdAt}..${f.endedAt - r.createdAt}`)
        flag('unexplained lost', `task ${r.promptId} (c${r.client}) lost on ${r.server} with reason ${o.reason}; states ${r.states.map(s => `${s.state}@${s.at - r.createdAt}`).join(' → ')}; POST /prompt received ${posts.get(r.promptId) ?? 0} time(s); faults on its server: ${nearby.join(', ') || 'none'} (ms after submit)`)
      }
      continue
    }
    flag('unexpected outcome', `task ${r.promptId} (c${r.client}, ${r.server}) ended ${o.state} with ${o.code}`)
  }

  // 6. Outputs of every succeeded task, on its own server; the store agrees with what the result said.
  for (const r of input.records) {
    const o = r.outcome
    if (o?.state !== 'succeeded')
      continue
    if (o.server !== r.server)
      flag('outputs', `task ${r.promptId} resolved from ${o.server} but was tethered to ${r.server}`)
    if (o.images < 1 || o.imageUrls.length !== o.images)
      flag('outputs', `task ${r.promptId} succeeded with ${o.images} image(s) and ${o.imageUrls.length} URL(s)`)
    for (const url of o.imageUrls) {
      if (!url.startsWith(`${r.server}/`))
        flag('outputs', `task ${r.promptId}: output URL ${url} is not on ${r.server}`)
    }
  }
  for (const c of input.clients) {
    const states = new Map(c.tasks.map(t => [t.promptId, t]))
    for (const r of input.records.filter(x => x.client === c.timeline.index)) {
      const t = states.get(r.promptId)
      if (!t)
        flag('store state', `task ${r.promptId} is missing from c${c.timeline.index}'s store`)
      else if (!TERMINAL.has(t.state) || (r.outcome && t.state !== r.outcome.state))
        flag('store state', `task ${r.promptId}: the store says ${t.state}, the result said ${r.outcome?.state ?? 'nothing'}`)
    }
  }

  // 7. Locks released.
  for (const c of input.clients) {
    if (c.lock !== null || c.pendingCount !== 0)
      flag('lock not released', `c${c.timeline.index}: lock ${c.lock ?? 'none'}, ${c.pendingCount} pending`)
  }

  const n = (check: string): number => counts.get(check) ?? 0
  const invariants: Invariant[] = [
    { name: 'requests of a task to a server that does not own it', value: n('cross-server'), ok: n('cross-server') === 0 },
    { name: 'requests of a client off its held lock', value: n('off-lock request'), ok: n('off-lock request') === 0 },
    { name: 'sockets opened off the client\'s lock', value: n('off-lock socket'), ok: n('off-lock socket') === 0 },
    { name: 'prompt ids sent more than once', value: n('duplicate POST /prompt'), ok: n('duplicate POST /prompt') === 0 },
    { name: 'tasks completed more than once', value: n('duplicate completion'), ok: n('duplicate completion') === 0 },
    { name: 'tasks not terminal', value: n('not terminal'), ok: n('not terminal') === 0 },
    { name: 'tasks lost without a restart or a long outage', value: n('unexplained lost'), ok: n('unexplained lost') === 0 },
    { name: 'tasks lost after a short outage, never sent', value: n('lost, never sent'), ok: n('lost, never sent') === 0 },
    { name: 'tasks failed, interrupted or cancelled', value: n('unexpected outcome'), ok: n('unexpected outcome') === 0 },
    { name: 'succeeded tasks without outputs on their server', value: n('outputs'), ok: n('outputs') === 0 },
    { name: 'store state differs from the settled result', value: n('store state'), ok: n('store state') === 0 },
    { name: 'locks not released', value: n('lock not released'), ok: n('lock not released') === 0 },
    { name: 'prompt ids in the logs that no client made', value: unknownIds, ok: unknownIds === 0 },
  ]
  return { invariants, violations, lostByCause }
}

/**
 * Recovery of each fault that hit pending tasks: from its effective time to the first sign of life of each affected
 * client (a state change of one of its affected tasks, or a successful reconcile with that server), the slowest
 * client counting. Written into `fault.recoveryMs`.
 */
export function measureRecovery(faults: FaultRecord[], records: readonly TaskRecord[], logs: readonly (readonly LockEvent[])[]): void {
  const byId = new Map(records.map(r => [r.promptId, r]))
  for (const fault of faults) {
    if (fault.affected.length === 0)
      continue
    let worst = -1
    for (const { client, promptIds } of fault.affected) {
      let first = Number.POSITIVE_INFINITY
      for (const id of promptIds) {
        const change = byId.get(id)?.states.find(s => s.at >= fault.effectiveAt)
        if (change)
          first = Math.min(first, change.at)
      }
      const reconcile = logs[client]?.find(e => e.kind === 'reconcile' && e.server === fault.server && e.at >= fault.effectiveAt && e.message.startsWith('reconciled '))
      if (reconcile)
        first = Math.min(first, reconcile.at)
      worst = Math.max(worst, first - fault.effectiveAt)
    }
    fault.recoveryMs = Number.isFinite(worst) && worst >= 0 ? worst : null
  }
}
