import type { Engine } from './engine'
import type { ComfyClientTaskHandle, ComfyTaskResult } from './types'

/** The handle `submit()` and `resume()` give: the task and its workflow view, followed through a rename of its id. */
export function taskHandle(engine: Engine, promptId: string, result: Promise<ComfyTaskResult>): ComfyClientTaskHandle {
  return {
    promptId,
    get task() {
      return engine.cache.snapshot(promptId)
    },
    get workflow() {
      return engine.workflows.view(promptId)
    },
    result,
  }
}
