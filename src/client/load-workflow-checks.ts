// The workflow checks (UI-format conversion, validation, capability checks) are a chunk of their own that an app
// loads on its first submit or `canRunOn`: an app that only tracks tasks never loads it.
import type * as Checks from './workflow-checks'

type WorkflowChecks = typeof Checks

let loaded: WorkflowChecks | undefined
let loading: Promise<WorkflowChecks> | undefined

/** Loads the workflow checks once (again after a failed load, e.g. a chunk the network dropped). */
export function loadWorkflowChecks(): Promise<WorkflowChecks> {
  loading ??= import('./workflow-checks').then((checks) => {
    loaded = checks
    return checks
  }, (error: unknown) => {
    loading = undefined
    throw error
  })
  return loading
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
