// What a succeeded task's `result` resolves with, in the background chunk: a task succeeds only through that chunk's
// frames or reconcile.
import type { Engine } from './engine'
import type { Task } from './task'
import type { ComfyTaskResult } from './types'
import { serverViewUrl } from '../core/server-url'

/** The result of `task` (succeeded): its outputs and images, each image's `/view` URL with its server's query credential. */
export function taskResult(engine: Engine, task: Task): ComfyTaskResult {
  const t = task.snapshot
  return { promptId: t.promptId, server: t.server, outputs: t.outputs, images: t.images, imageUrls: t.images.map(i => serverViewUrl(t.server, i, engine.credentials.get(t.server))), files: engine.workflows.filesOf(task) }
}
