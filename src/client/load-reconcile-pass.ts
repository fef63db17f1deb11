// The reconcile pass (the queue and the history of a server's pending tasks read, each task's verdict) is a chunk of
// its own, loaded by the first pass: a pass is asynchronous anyway, and an app without pending tasks never runs one.
import type { ComfyTask } from '../core/task-state'
import type { ReconcilePassContext } from './reconcile-pass'
import { lazyChunk } from '../core/lazy-chunk'

const load = lazyChunk('reconcile pass', () => import('./reconcile-pass'))

/** `createReconcilePass` of reconcile-pass.ts, its code loaded by the first pass (which rejects with a `ChunkLoadError` if that fails). */
export function createReconcilePass(ctx: ReconcilePassContext): (targets: readonly ComfyTask[]) => Promise<ComfyTask[]> {
  let pass: ((targets: readonly ComfyTask[]) => Promise<ComfyTask[]>) | undefined
  return async (targets) => {
    const chunk = await load()
    pass ??= chunk.createReconcilePass(ctx) // one pass state (its counters) however many passes waited for the load
    return pass(targets)
  }
}
