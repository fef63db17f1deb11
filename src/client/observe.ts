import type { ComfyTask } from '../core/task-state'
import type { Engine } from './engine'
import type { ComfyClientChange } from './types'
import type { TaskWorkflowView } from './workflow-insight'

/** What {@link observeTask} reads of one client. Internal. */
export interface ObserveTaskDeps {
  /** The client's engine: its tasks, preview URLs, workflow views and re-keyed ids. */
  engine: Pick<Engine, 'options' | 'state' | 'workflows' | 'renamed' | 'isDisposed'>
  /** The client's `subscribe()` listeners (cleared by its `dispose()`). */
  listeners: Set<(change: ComfyClientChange) => void>
}

/** The changes that may concern one task. */
const TASK_CHANGES: ReadonlySet<ComfyClientChange> = new Set(['tasks', 'previewUrls', 'workflows'])

/**
 * What of a workflow view moves without the task changing. `eta` is left out: it is computed at each read, so it
 * would differ every time; `outputs` follow the task's own.
 */
function viewKey(view: TaskWorkflowView | undefined): string {
  return view ? `${view.progress}|${view.nodesDone}|${view.nodesTotal}|${view.runningNode}|${view.queuePosition}` : ''
}

/**
 * Follows one task: `listener` gets the task's snapshot after each change of it (a new snapshot: tasks are immutable,
 * so identity says it changed), of its preview's object URL or of its workflow view; `undefined` once it is dropped.
 * `promptId` is the id the task was submitted under: a server's re-key is followed. Returns the unsubscribe; after
 * the client's `dispose()`, a no-op.
 */
export function observeTask({ engine, listeners }: ObserveTaskDeps, promptId: string, listener: (task: ComfyTask | undefined) => void): () => void {
  if (engine.isDisposed())
    return () => {}
  const { tasks, previewUrls } = engine.state
  const id = (): string => engine.renamed.get(promptId) ?? promptId
  // The view is read only when a task has one: reading a queued task's view starts keeping its queue position current.
  const viewOf = (): string => viewKey(engine.workflows.view(id()))
  let task = tasks.get(id())
  let view = task ? viewOf() : ''
  let preview = previewUrls.get(id())
  let active = true
  const notify = (next: ComfyTask | undefined, nextView: string, nextPreview: string | undefined): void => {
    task = next
    view = nextView
    preview = nextPreview
    listener(next)
  }
  const onChange = (change: ComfyClientChange): void => {
    if (!TASK_CHANGES.has(change))
      return
    const next = tasks.get(id())
    if (!next && task) {
      // Gone, or re-keyed: a re-key deletes the old id before it sets the new one, in the same turn. Only a task
      // still missing once that turn is over was dropped.
      queueMicrotask(() => {
        if (!active || !task || engine.isDisposed() || tasks.get(id()))
          return
        try {
          notify(undefined, '', previewUrls.get(id()))
        }
        catch (error) {
          engine.options.logger.error('an observe() listener threw', error) // as subscribe() listeners' errors are
        }
      })
      return
    }
    // A preview frame changes the task first and its object URL just after: the listener hears both.
    const nextPreview = change === 'previewUrls' ? previewUrls.get(id()) : preview
    // A view changes with its task or on a 'workflows' change: other changes need not build it (one per frame).
    const nextView = !next ? '' : next !== task || change === 'workflows' ? viewOf() : view
    if (next === task && nextView === view && nextPreview === preview)
      return
    notify(next, nextView, nextPreview)
  }
  listeners.add(onChange)
  return () => {
    active = false
    listeners.delete(onChange)
  }
}
