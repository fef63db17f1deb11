// The task runner (submit to `POST /prompt`, the resend of unconfirmed prompts, cancel) is in the background chunk: the
// client starts loading it when it is created, so the app's first submit finds it loaded, and an app that only shows
// tasks restored after a reload or followed with resume() may never need it before it is there. Once loaded, every
// call goes straight to it, as synchronous as before; a call made before that waits for the load.
import type { ComfyTask } from '../core/task-state'
import type { Engine } from './engine'
import type { createPlacement } from './placement'
import type { ComfySubmit, createTaskRunner } from './task-runner'
import { backgroundPart } from './load-background'

type TaskRunner = ReturnType<typeof createTaskRunner>

/**
 * The task runner of `engine`, its code loaded in the background from now on (a failed load is tried again by the next
 * call, which rejects with a `ChunkLoadError` if it fails again).
 */
export function createLazyTaskRunner(engine: Engine, placement: ReturnType<typeof createPlacement>): TaskRunner {
  const { use } = backgroundPart(chunk => chunk.createTaskRunner(engine, placement))
  return {
    submit: ((...args: Parameters<ComfySubmit>) => use(r => (r.submit as (...a: Parameters<ComfySubmit>) => ReturnType<ComfySubmit>)(...args))) as ComfySubmit,
    resubmit: (task: ComfyTask) => use(r => r.resubmit(task)),
    cancel: (promptId: string) => use(r => r.cancel(promptId)),
  }
}
