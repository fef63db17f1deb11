// The one chunk of background.ts, which every client starts loading when it is created: one request for the parts that
// each answer through a stand-in of the startup code until it is there (load-task-runner.ts, placement.ts,
// load-frame-router.ts, persistence.ts's guard, load-engine-parts.ts, inspect.ts's debug helpers and
// load-server-tether.ts). Once loaded, it is there at once for every later client of the page.
import type * as Background from './background'
import { lazyChunk } from '../core/lazy-chunk'

/** The parts of background.ts. */
export type BackgroundParts = typeof Background

let parts: BackgroundParts | undefined

/** Loads the background parts once (again after a failed load, which rejects with a `ChunkLoadError`). */
export const loadBackground: () => Promise<BackgroundParts> = lazyChunk('background parts (submit, placement, frames, tethers, node info, debug helpers)', () => import('./background').then(loaded => parts = loaded))

/** The background parts if they have loaded, else `undefined`. */
export const loadedBackground = (): BackgroundParts | undefined => parts

/** One part of a client made from the background parts once they are there: see {@link backgroundPart}. */
export interface BackgroundPart<T> {
  /** The part, if the background parts have loaded (made on the first ask), else `undefined`. */
  now: () => T | undefined
  /** Waits for the part (a failed load is tried again, rejecting with a `ChunkLoadError`). */
  when: () => Promise<T>
  /** Calls `op` with the part now if it is there, else once it is (a failed load is tried again, rejecting with a `ChunkLoadError`). */
  use: <R>(op: (part: T) => R) => R | Promise<Awaited<R>>
}

/**
 * The generic stand-in: the part `make` builds from the background parts, made once when they have loaded (their load
 * starts now); before that, calls wait for it and what is read synchronously is `undefined`.
 */
export function backgroundPart<T>(make: (loaded: BackgroundParts) => T): BackgroundPart<T> {
  let part: T | undefined
  const now = (): T | undefined => part ??= parts && make(parts)
  const when = (): Promise<T> => loadBackground().then(now) as Promise<T>
  when().catch(() => {}) // the next call tries again and rejects with the error
  return {
    now,
    when,
    use: <R>(op: (part: T) => R): R | Promise<Awaited<R>> => {
      const made = now()
      return made ? op(made) : when().then(op) as Promise<Awaited<R>>
    },
  }
}
