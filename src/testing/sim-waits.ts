import type { SimulatorClock } from './clock'
import { ExecutionAborted } from './node-errors'

/**
 * The executor's waits on the simulator's clock: sleeps (node time, steps) and the start of the next prompt.
 * {@link SimWaits.cancelAll} (a restart, a close) drops the start and rejects every sleep with `ExecutionAborted`.
 */
export class SimWaits {
  /** Cancels of the sleeps under way. */
  readonly #timers = new Set<() => void>()
  #abort = new AbortController()
  /** Cancels the pending start. */
  #start: (() => void) | null = null

  constructor(readonly clock: SimulatorClock) {}

  /** Whether a start is pending. */
  get starting(): boolean {
    return this.#start !== null
  }

  /** Call `start` in `ms` (0: once the work under way is done). */
  startIn(ms: number, start: () => void): void {
    this.#start?.()
    const run = (): void => {
      this.#start = null
      start()
    }
    this.#start = ms > 0 ? this.clock.setTimer(run, ms) : this.clock.defer(run)
  }

  /** Resolves in `ms`; rejects with `ExecutionAborted` when {@link SimWaits.cancelAll} runs first. */
  sleep(ms: number): Promise<void> {
    const signal = this.#abort.signal
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new ExecutionAborted())
        return
      }
      const cancel = this.clock.setTimer(() => {
        this.#timers.delete(cancel)
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, Math.max(0, ms))
      const onAbort = (): void => {
        cancel()
        this.#timers.delete(cancel)
        reject(new ExecutionAborted())
      }
      this.#timers.add(cancel)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  cancelAll(): void {
    this.#abort.abort()
    this.#abort = new AbortController()
    for (const cancel of this.#timers)
      cancel()
    this.#timers.clear()
    this.#start?.()
    this.#start = null
  }
}
