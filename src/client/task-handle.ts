import type { Engine } from './engine'
import type { ComfyClientTaskHandle, ComfyTaskResult } from './types'
import { currentId } from './engine'

/** The handle `submit()` and `resume()` give: the task and its workflow view, followed through a rename of its id. */
export function taskHandle(engine: Engine, promptId: string, result: Promise<ComfyTaskResult>): ComfyClientTaskHandle {
  return {
    promptId,
    get task() {
      return engine.state.tasks.get(currentId(engine, promptId))
    },
    get workflow() {
      return engine.workflows.view(currentId(engine, promptId))
    },
    result,
  }
}
