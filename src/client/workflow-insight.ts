import type { QueryCredential } from '../core/server-url'
import type { NodeOutputs } from '../core/api-types'
import type { NormalizedOutputs, OutputFile } from '../core/outputs'
import type { ComfyTask } from '../core/task-state'
import type { ComfyWorkflow } from '../core/validate-input'
import type { RunTimes } from '../core/workflow-progress'
import type { TaskWorkflow } from '../core/task-reducer'
import type { Task } from './task'
import type { TaskCache } from './task-cache'
import type { WaitingPrompts } from './server-queue'
import { normalizeOutputs } from '../core/outputs'
import { estimateRemaining, recordRunTime, runTimesOf } from '../core/workflow-progress'

/** What a task knows about its workflow as a whole: progress, queue position, ETA, outputs and the values used. */
export interface TaskWorkflowView {
  /** Overall progress of the whole workflow in 0..1: nodes finished or cached, the running one by its steps. Never goes back; 1 once succeeded. */
  progress: number
  nodesDone: number
  nodesTotal: number
  /** The node running now, if known. */
  runningNode: string | null
  /**
   * Prompts ahead of this one in its server's queue (0 = next) while queued; else `null` (also until first known).
   * Read from the server only for tasks whose view is read (the first read asks, status frames then keep it current),
   * with the jobs API where the server has it; it never goes up while the task waits.
   */
  queuePosition: number | null
  /** Expected end (epoch ms) while running, from the recent run times of the same workflow on that server; else `null`. */
  eta: number | null
  /** Every output file by kind (with `/view` URLs on the task's server), texts and other UI values. */
  outputs: NormalizedOutputs
  /** Template values as sent (`'random'` replaced by the seed drawn); `{}` for a plain workflow. */
  values: Readonly<Record<string, string | number | boolean | Blob>>
  /** Seeds drawn for this task, by `"nodeId.input"`. */
  seeds: Readonly<Record<string, number>>
  /** `'ui'` when submitted in ComfyUI's UI format and converted with the task server's `/object_info`; else `'api'`. */
  format: 'api' | 'ui'
  /** The API-format prompt sent to the task's server (for a UI-format workflow: the conversion). */
  prompt: Readonly<ComfyWorkflow>
}

/** What the insight reads from the client. */
export interface WorkflowInsightContext {
  cache: TaskCache
  /** The query credential of a server's `/view` URLs (`auth.query`), if it has one. */
  credentialOf?: (server: string) => QueryCredential | undefined
  /** The prompts waiting on a server (the jobs API where it has one, else `/queue`). */
  queue: (server: string) => Promise<WaitingPrompts>
  now: () => number
}

/**
 * The workflow views of the client's tasks: each task's progress lives in the task (the one reducer moves it); this
 * adds what spans tasks: run times per workflow and server (for ETAs) and queue positions, read only while someone
 * reads them.
 */
export function createWorkflowInsight(ctx: WorkflowInsightContext) {
  const { cache, now } = ctx
  let runTimes: RunTimes = {}
  const queueFetch = new Map<string, { again: boolean }>()
  /** Servers whose positions were read since their last `status` frame. */
  const fresh = new Set<string>()
  /** Tasks whose view was read while they waited: their positions are kept current. */
  const observed = new WeakSet<Task>()
  let disposed = false

  /** Tasks of `server` waiting in its queue whose position someone reads (from the server's pending tasks). */
  function observedOn(server: string): Task[] {
    const found: Task[] = []
    for (const task of cache.pendingTasksOn(server)) {
      if (task.snapshot.state === 'queued' && task.workflow && observed.has(task))
        found.push(task)
    }
    return found
  }

  /** Does someone read the position of a task waiting on `server`? (No list built: a `status` frame asks this.) */
  function anyObservedOn(server: string): boolean {
    for (const task of cache.pendingTasksOn(server)) {
      if (task.snapshot.state === 'queued' && observed.has(task) && task.workflow)
        return true
    }
    return false
  }

  /** Expected end of a running task, estimated when read (not on every frame) from the recent runs and its progress. */
  function etaOf(workflow: TaskWorkflow, task: ComfyTask): number | null {
    const at = now()
    const elapsed = at - (task.startedAt ?? at)
    const left = estimateRemaining(runTimesOf(runTimes, task.server, workflow.key), elapsed, workflow.progress.fraction)
    return left === null ? null : at + left
  }

  /** Refreshes queue positions of `server` (one request at a time; a change during it triggers one more). */
  function refreshQueue(server: string): void {
    const running = queueFetch.get(server)
    if (disposed)
      return
    if (running) {
      running.again = true
      return
    }
    const state = { again: false }
    queueFetch.set(server, state)
    fresh.add(server)
    ctx.queue(server).then((waiting) => {
      for (const task of observedOn(server)) {
        const at = waiting.pending.indexOf(task.promptId)
        if (at < 0)
          continue // started or ended meanwhile: its frames will say so
        // Whatever runs is ahead too. A position only goes down while the task waits (a read racing a frame can
        // be older than the last one).
        const known = task.workflow?.queuePosition ?? null
        const position = known === null ? waiting.running.length + at : Math.min(known, waiting.running.length + at)
        task.dispatch({ type: 'queue-position', position })
      }
    }, () => fresh.delete(server)).finally(() => {
      queueFetch.delete(server)
      if (state.again && anyObservedOn(server))
        refreshQueue(server)
    })
  }

  return {
    /** A `status` frame of `server`: its queue changed. Positions are asked again only if someone reads them. */
    onStatus(server: string): void {
      fresh.delete(server)
      if (!disposed && anyObservedOn(server))
        refreshQueue(server)
    },
    /** `execution_success` of a task followed through its workflow: one more run time for its ETAs. */
    onSuccess(task: Task, at: number): void {
      const { workflow, snapshot } = task
      if (workflow)
        runTimes = recordRunTime(runTimes, snapshot.server, workflow.key, at - (snapshot.startedAt ?? at))
    },
    /** Stops queue refreshes (the client was disposed). */
    dispose(): void {
      disposed = true
    },
    /** Every output file of a task, by kind, with `/view` URLs (node titles when the task was submitted here). */
    filesOf(task: Task): OutputFile[] {
      const { snapshot } = task
      return normalizeOutputs(snapshot.outputs as NodeOutputs, snapshot.server, task.workflow?.prompt, ctx.credentialOf?.(snapshot.server)).files
    },
    /** The view of one task, or `undefined` when it was not submitted through the workflow path. */
    view(promptId: string): TaskWorkflowView | undefined {
      const task = cache.get(promptId)
      const workflow = task?.workflow
      if (!task || !workflow)
        return undefined
      const snapshot = task.snapshot
      const succeeded = snapshot.state === 'succeeded'
      const running = snapshot.state === 'running'
      if (snapshot.state === 'queued' && !disposed) {
        // Read: from now on its position is kept current; the first read (or one after a change) asks the server.
        observed.add(task)
        if (!fresh.has(snapshot.server))
          refreshQueue(snapshot.server)
      }
      return {
        progress: succeeded ? 1 : workflow.progress.fraction,
        nodesDone: succeeded ? workflow.progress.nodes.length : workflow.progress.done.length,
        nodesTotal: workflow.progress.nodes.length,
        runningNode: running ? workflow.progress.running?.node ?? snapshot.node : null,
        queuePosition: snapshot.state === 'queued' ? workflow.queuePosition : null,
        eta: running ? etaOf(workflow, snapshot) : null,
        outputs: normalizeOutputs(snapshot.outputs as NodeOutputs, snapshot.server, workflow.prompt, ctx.credentialOf?.(snapshot.server)),
        values: workflow.filled?.values ?? {},
        seeds: workflow.filled?.seeds ?? {},
        format: workflow.format,
        prompt: workflow.prompt,
      }
    },
  }
}

/** The insight's type. */
export type WorkflowInsight = ReturnType<typeof createWorkflowInsight>
