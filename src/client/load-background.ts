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
