// The workflow views of a client's tasks (workflow-insight.ts: ETAs, queue positions, normalized outputs) are code of the
// background chunk: a task follows its workflow only once the task runner (in that chunk) or resume() (its own chunk)
// tracks it, and each of those attaches the insight first. Until then no task has a workflow, so the stand-in here
// answers what the insight answers for such a task.
import type { OutputFile } from '../core/outputs'
import type { Task } from './task'
import type { createWorkflowInsight, TaskWorkflowView, WorkflowInsight, WorkflowInsightContext } from './workflow-insight'
import { loadBackground, loadedBackground } from './load-background'

/** The client's workflow insight, its code attached once a chunk that holds it is there. */
export interface LazyWorkflowInsight extends WorkflowInsight {
  /** Creates the insight with `create` (once; later calls do nothing): before any task follows its workflow. */
  attach: (create: typeof createWorkflowInsight) => void
}

/** The workflow insight of a client (see {@link createWorkflowInsight}), its code attached when the background chunk is there. */
export function lazyWorkflowInsight(ctx: WorkflowInsightContext): LazyWorkflowInsight {
  let insight: WorkflowInsight | undefined
  let disposed = false
  const attach = (create: typeof createWorkflowInsight): void => {
    if (insight)
      return
    insight = create(ctx)
    if (disposed)
      insight.dispose()
  }
  const loaded = loadedBackground()
  if (loaded)
    attach(loaded.createWorkflowInsight)
  else
    loadBackground().then(chunk => attach(chunk.createWorkflowInsight), () => {}) // who tracks a task attaches it too

  return {
    attach,
    // Before the insight is there no task follows its workflow: no queue position is read, no run time recorded.
    onStatus: (server: string): void => insight?.onStatus(server),
    onSuccess: (task: Task, at: number): void => insight?.onSuccess(task, at),
    dispose(): void {
      disposed = true
      insight?.dispose()
    },
    // A task ends only through the background chunk's code (frames, reconcile, submit), which attached the insight.
    filesOf: (task: Task): OutputFile[] => insight?.filesOf(task) ?? [],
    // Only a task that follows its workflow has a view, and tracking one attaches the insight first.
    view: (promptId: string): TaskWorkflowView | undefined => insight?.view(promptId),
  }
}
