// The workflow checks (UI-format conversion, validation, capability checks) are a chunk of their own that an app
// loads on its first submit or `canRunOn`: an app that only tracks tasks never loads it.
import type * as Checks from './workflow-checks'
import { lazyChunk } from '../core/lazy-chunk'

type WorkflowChecks = typeof Checks

let loaded: WorkflowChecks | undefined
const load = lazyChunk('workflow checks (UI-format conversion, validation against /object_info, templates)', () => import('./workflow-checks'))

/** Loads the workflow checks once (again after a failed load, which rejects with a `ChunkLoadError`). */
export function loadWorkflowChecks(): Promise<WorkflowChecks> {
  return load().then((checks) => {
    loaded = checks
    return checks
  })
}

/**
 * The loaded workflow checks, for the synchronous steps of a submit that awaited {@link loadWorkflowChecks} before
 * it placed the task (a UI-format source converts during placement and again when the server is chosen).
 */
export function workflowChecks(): WorkflowChecks {
  if (!loaded)
    throw new Error('[comfy-tether] internal: the workflow checks were used before loadWorkflowChecks() resolved')
  return loaded
}
