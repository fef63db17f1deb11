// The workflow views of a client's tasks (workflow-insight.ts: ETAs, queue positions, normalized outputs) are code of the
// background chunk. A task follows its workflow only once the task runner (in that chunk) or resume() (its own chunk,
// which attaches the insight first) tracks it, and it ends only through that chunk's code (frames, reconcile, submit,
// cancel): until the insight is there no task has a workflow, and the stand-in answers what the insight answers then.
import type { OutputFile } from '../core/outputs'
import type { Task } from './task'
import type { createWorkflowInsight, TaskWorkflowView, WorkflowInsight, WorkflowInsightContext } from './workflow-insight'
import { loadedBackground } from './load-background'

/** The client's workflow insight, its code attached once a chunk that holds it is there. */
export interface LazyWorkflowInsight extends WorkflowInsight {
  /** Creates the insight with `create` (once; later calls do nothing): before any task follows its workflow. */
  attach: (create: typeof createWorkflowInsight) => void
}

/**
 * The workflow insight of a client (see {@link createWorkflowInsight}): created with the code of the background chunk at
 * the first call once that chunk is there, or by {@link LazyWorkflowInsight.attach}.
 */
export function lazyWorkflowInsight(ctx: WorkflowInsightContext): LazyWorkflowInsight {
  let insight: WorkflowInsight | undefined
  let disposed = false
  const attach = (create: typeof createWorkflowInsight): WorkflowInsight => {
    if (!insight) {
      insight = create(ctx)
      if (disposed)
        insight.dispose()
    }
    return insight
  }
  const current = (): WorkflowInsight | undefined => {
    const chunk = insight ? undefined : loadedBackground()
    return chunk ? attach(chunk.createWorkflowInsight) : insight
  }

  return {
    attach: create => void attach(create),
    // Without the insight no task follows its workflow: no queue position to read, no run time to record, no view.
    onStatus: server => current()?.onStatus(server),
    onSuccess: (task, at) => current()?.onSuccess(task, at),
    dispose(): void {
      disposed = true
      insight?.dispose()
    },
    filesOf: (task: Task): OutputFile[] => current()?.filesOf(task) ?? [],
    view: (promptId: string): TaskWorkflowView | undefined => current()?.view(promptId),
  }
}
