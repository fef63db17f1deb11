/**
 * Where the simulator's simulated work waits: node time, `TestSlowProgress` steps, a prompt's start. The real clock
 * uses Node's timers; a {@link ManualClock} lets a test (or {@link replayTranscript}) decide when time passes, so
 * what happens within a millisecond comes out in the same order on every run.
 */
export interface SimulatorClock {
  /** Run `callback` in `ms` milliseconds. Returns a function that cancels it. */
  setTimer: (callback: () => void, ms: number) => () => void
  /** Run `callback` once the work under way is done (Node's `setImmediate`). Returns a function that cancels it. */
  defer: (callback: () => void) => () => void
}

/** Node's timers. Arrow wrappers, so fake timers installed after import are the ones used. */
export const realClock: SimulatorClock = {
  setTimer: (callback, ms) => {
    const timer = setTimeout(callback, Math.max(0, ms))
    return () => clearTimeout(timer)
  },
  defer: (callback) => {
    const immediate = setImmediate(callback)
    return () => clearImmediate(immediate)
  },
}

/** A clock whose time passes only when told to. Pass it to `createComfySimulator({ clock })`. */
export interface ManualClock extends SimulatorClock {
  /** Milliseconds since the clock was created (it starts at 0). */
  readonly now: number
  /** How many timers wait. */
  readonly pending: number
  /** When the earliest waiting timer is due, or `null` when none waits. */
  readonly nextAt: number | null
  /**
   * Fire the earliest timer (moving the time to its deadline, never back) and let the simulator finish what it
   * starts. Resolves `false` when no timer waits.
   */
  step: () => Promise<boolean>
  /**
   * Fire, in time order, every timer due by `time` (`Infinity`: until none is left), letting the simulator finish
   * what each one starts before the next fires; the clock then reads `time`.
   */
  advanceTo: (time: number) => Promise<void>
  /** `advanceTo(now + ms)`. */
  advanceBy: (ms: number) => Promise<void>
}

interface Timer {
  at: number
  seq: number
  callback: () => void
}

/** What a fired timer starts: promise reactions, then work deferred to the same turn. */
function settle(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve))
}

/** More timers fired in one `advanceTo` than any simulated run needs: a loop that keeps re-arming itself. */
const FIRE_LIMIT = 100_000

class ManualClockImpl implements ManualClock {
  #now = 0
  #seq = 0
  readonly #timers = new Set<Timer>()

  get now(): number {
    return this.#now
  }

  get pending(): number {
    return this.#timers.size
  }

  get nextAt(): number | null {
    return this.#earliest()?.at ?? null
  }

  setTimer = (callback: () => void, ms: number): (() => void) => {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback }
    this.#timers.add(timer)
    return () => void this.#timers.delete(timer)
  }

  defer = (callback: () => void): (() => void) => this.setTimer(callback, 0)

  #earliest(): Timer | undefined {
    let first: Timer | undefined
    for (const t of this.#timers) {
      if (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq))
        first = t
    }
    return first
  }

  step = async (): Promise<boolean> => {
    await settle()
    const next = this.#earliest()
    if (!next)
      return false
    this.#timers.delete(next)
    this.#now = Math.max(this.#now, next.at)
    next.callback()
    await settle()
    return true
  }

  advanceTo = async (time: number): Promise<void> => {
    if (Number.isNaN(time))
      throw new RangeError('[comfy-tether] ManualClock.advanceTo: time must be a number, got NaN')
    await settle()
    for (let fired = 0; ; fired++) {
      const at = this.nextAt
      if (at === null || at > time)
        break
      if (fired >= FIRE_LIMIT)
        throw new Error(`[comfy-tether] ManualClock.advanceTo(${time}): ${FIRE_LIMIT} timers fired and more keep coming; something re-arms a timer forever.`)
      await this.step()
    }
    if (Number.isFinite(time))
      this.#now = Math.max(this.#now, time)
  }

  advanceBy = (ms: number): Promise<void> => this.advanceTo(this.#now + ms)
}

/**
 * A {@link ManualClock} at time 0: the simulator given it runs nodes, steps and prompt starts only as the test
 * advances it.
 * @example
 * const clock = createManualClock()
 * const sim = await createComfySimulator({ clock })
 * // … POST /prompt …
 * await clock.advanceBy(1000) // every node due in the next simulated second runs, in order
 */
export function createManualClock(): ManualClock {
  return new ManualClockImpl()
}
