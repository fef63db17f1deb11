import { NODE_DEFS } from './nodes'

/**
 * How long the simulator's work takes, in milliseconds at `speed` 1 (divided by the simulator's `speed`, like
 * `TestSlowProgress`'s seconds). Everything is instant by default; {@link RECORDED_TIMING} is the recorded servers'.
 */
export interface SimulatorTiming {
  /**
   * Time a node of each class takes to run, by class name, on top of the time the node spends itself
   * (`TestSlowProgress`'s steps). A `POST /prompt` that arrives meanwhile has its `status` broadcast before the node ends.
   * @default {} (instant)
   */
  nodeMs?: Readonly<Record<string, number>>
  /** From a prompt being queued (or the prompt before it ending) to its `execution_start`. @default 0 */
  startMs?: number
  /** From one node's end (its `progress_state` "finished") to the next node's start. @default 0 */
  betweenNodesMs?: number
}

/**
 * The timing of the recorded 0.33.0 servers (tests/fixtures/comfyui/), rounded: node time as measured from a node's
 * `executing` to its `progress_state` "finished" (`EmptyImage`, `ImageInvert`, `SaveImage` 0-2 ms, `LoadImage` 4 ms),
 * 3 ms from a prompt being queued to its start (3-7 ms from its POST) and 1 ms between two nodes (0-2 ms). Each one
 * is a point where a request's `status` can fall between a running prompt's messages, as on the recorded servers.
 */
export const RECORDED_TIMING = {
  nodeMs: { EmptyImage: 1, LoadImage: 4, ImageInvert: 1, SaveImage: 1 },
  startMs: 3,
  betweenNodesMs: 1,
} as const satisfies Required<SimulatorTiming>

/** The timing with its defaults, checked. */
export interface ResolvedTiming {
  nodeMs: ReadonlyMap<string, number>
  startMs: number
  betweenNodesMs: number
}

function checkMs(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new RangeError(`[comfy-tether] createComfySimulator: timing.${what} must be a finite number of milliseconds >= 0, got ${JSON.stringify(value)}`)
  return value
}

/** Checks `timing` (unknown node classes, negative or infinite times throw a RangeError) and fills in the defaults. */
export function resolveTiming(timing: SimulatorTiming = {}): ResolvedTiming {
  const nodeMs = new Map<string, number>()
  for (const [name, ms] of Object.entries(timing.nodeMs ?? {})) {
    if (!NODE_DEFS.has(name))
      throw new RangeError(`[comfy-tether] createComfySimulator: timing.nodeMs names ${JSON.stringify(name)}, a node type the simulator does not know. Use one of ${[...NODE_DEFS.keys()].join(', ')}.`)
    nodeMs.set(name, checkMs(`nodeMs.${name}`, ms))
  }
  return {
    nodeMs,
    startMs: checkMs('startMs', timing.startMs ?? 0),
    betweenNodesMs: checkMs('betweenNodesMs', timing.betweenNodesMs ?? 0),
  }
}
