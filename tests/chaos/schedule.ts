// The seeded plan of a chaos run: what every client submits and which fault hits which server when. Pure and
// deterministic: the same seed and config give the same plan (and the same fingerprint), whatever the machine does.
// Faults are triggered by progress (the n-th task submitted across all clients), not by wall time, so they land while
// tasks run however fast or slow the machine is.

/** The fault kinds a chaos run injects. */
export type FaultKind = 'drop' | 'silent' | 'outage' | 'restart' | 'delay' | 'malformed'

export const FAULT_KINDS: readonly FaultKind[] = ['drop', 'silent', 'outage', 'restart', 'delay', 'malformed']

export const MALFORMED_FRAMES = ['invalid-json', 'unknown-type', 'missing-data', 'bad-binary', 'truncated-binary'] as const

/** One planned fault. */
export interface PlannedFault {
  /** 0-based order in the plan. */
  id: number
  kind: FaultKind
  /** Index of the simulator it hits. */
  sim: number
  /** Fires when this many tasks have been submitted (across all clients). */
  afterSubmitted: number
  /** How long it lasts (silent, outage, delay) or the restart's downtime; 0 for instant faults. */
  durationMs: number
  /** For `malformed`: the frame kind. */
  frame?: (typeof MALFORMED_FRAMES)[number]
}

/** One task a client submits. */
export interface PlannedTask {
  /** 0-based index over the whole run. */
  index: number
  workflow: 'empty' | 'slow'
  /** EmptyImage colour (24-bit), distinct per task so no run is served from the node cache by accident. */
  color: number
}

/** A burst: a client submits these tasks, then (unless `overlap`) waits until they all end. */
export interface PlannedBurst {
  /** Pause before the burst. */
  thinkMs: number
  /** Submit all tasks at once (concurrent `submit()` calls) instead of one after another. */
  concurrent: boolean
  /** Do not wait for the burst to end before the next one: the lock is held across bursts. */
  overlap: boolean
  tasks: PlannedTask[]
}

/** The knobs of a plan. */
export interface PlanConfig {
  seed: number
  tasks: number
  clients: number
  servers: number
  /** How many faults of each kind. */
  faults: Record<FaultKind, number>
  /** Tasks per burst, inclusive. */
  burst: [number, number]
  /** Pause before each burst, ms, inclusive. */
  thinkMs: [number, number]
  /** Share of tasks that run the slow workflow (progress + previews) instead of EmptyImage. */
  slowShare: number
  /** Share of bursts submitted concurrently. */
  concurrentShare: number
  /** Share of bursts the client does not wait for. */
  overlapShare: number
  silentMs: [number, number]
  outageMs: [number, number]
  /** How long a `delay` fault holds every answer of its server back (by `responseDelayMs`). */
  delayWindowMs: [number, number]
  restartDowntimeMs: [number, number]
}

export interface ChaosPlan {
  config: PlanConfig
  faults: PlannedFault[]
  clients: PlannedBurst[][]
  /** A short hash of the plan: equal fingerprints mean equal plans. */
  fingerprint: string
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function intIn(rng: () => number, [min, max]: [number, number]): number {
  return min + Math.floor(rng() * (max - min + 1))
}

/** FNV-1a over a string, as 8 hex digits. */
export function fnv1a(text: string): string {
  let h = 0x811C9DC5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** Builds the plan of a run from its config. Deterministic. */
export function buildPlan(config: PlanConfig): ChaosPlan {
  // Separate streams, so that changing the workload knobs does not reshuffle the faults and vice versa.
  const faultRng = createRng(config.seed * 2654435761)
  const taskRng = createRng(config.seed ^ 0x5BD1E995)

  const kinds: FaultKind[] = FAULT_KINDS.flatMap(kind => Array.from({ length: config.faults[kind] }, () => kind))
  // Fisher-Yates, so the kinds are interleaved over the run.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(faultRng() * (i + 1))
    ;[kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!]
  }
  // Spread the triggers over 5%..90% of the submissions: evenly spaced slots, jittered inside their slot.
  const first = Math.max(1, Math.floor(config.tasks * 0.05))
  const span = Math.max(1, Math.floor(config.tasks * 0.9) - first)
  const faults: PlannedFault[] = kinds.map((kind, i) => {
    const slot = span / kinds.length
    const afterSubmitted = first + Math.floor(slot * i + faultRng() * slot)
    const sim = Math.floor(faultRng() * config.servers)
    const durationMs = kind === 'silent'
      ? intIn(faultRng, config.silentMs)
      : kind === 'outage'
        ? intIn(faultRng, config.outageMs)
        : kind === 'restart'
          ? intIn(faultRng, config.restartDowntimeMs)
          : kind === 'delay'
            ? intIn(faultRng, config.delayWindowMs)
            : 0
    const frame = kind === 'malformed' ? MALFORMED_FRAMES[Math.floor(faultRng() * MALFORMED_FRAMES.length)] : undefined
    return { id: i, kind, sim, afterSubmitted, durationMs, ...(frame ? { frame } : {}) }
  })

  // Tasks are dealt to clients in bursts, round robin, until the total is reached.
  const clients: PlannedBurst[][] = Array.from({ length: config.clients }, () => [])
  let index = 0
  let client = 0
  while (index < config.tasks) {
    const size = Math.min(intIn(taskRng, config.burst), config.tasks - index)
    const tasks: PlannedTask[] = Array.from({ length: size }, () => ({
      index: index++,
      workflow: taskRng() < config.slowShare ? 'slow' as const : 'empty' as const,
      color: Math.floor(taskRng() * 0x1000000),
    }))
    clients[client]!.push({
      thinkMs: intIn(taskRng, config.thinkMs),
      concurrent: taskRng() < config.concurrentShare,
      overlap: taskRng() < config.overlapShare,
      tasks,
    })
    client = (client + 1) % config.clients
  }
  const fingerprint = fnv1a(JSON.stringify({ faults, clients }))
  return { config, faults, clients, fingerprint }
}
