import type { QueryCredential } from '../core/server-url'
import type { NodeOutputs } from '../core/api-types'
import type { NormalizedOutputs, OutputFile } from '../core/outputs'
import type { ComfyTask } from '../core/task-state'
import type { ComfyWorkflow } from '../core/validate-input'
import type { RunTimes, WorkflowProgress } from '../core/workflow-progress'
import type { FilledWorkflow } from '../core/workflow-template'
import type { ComfyMessage } from '../core/protocol'
import { normalizeOutputs } from '../core/outputs'
import type { WaitingPrompts } from './server-queue'
import { NotifyingMap } from './state-map'
import { isTerminal } from '../core/task-state'
import { advanceWorkflowProgress, estimateRemaining, recordRunTime, runTimesOf, startWorkflowProgress, workflowKey } from '../core/workflow-progress'

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

interface Tracked {
  server: string
  workflow: ComfyWorkflow
  key: string
  filled: FilledWorkflow | null
  format: 'api' | 'ui'
  progress: WorkflowProgress
  queuePosition: number | null
}

/** What the insight reads from the store. */
export interface WorkflowInsightContext {
  getTask: (promptId: string) => ComfyTask | undefined
  /** The tasks of `server` not ended yet. */
  pendingOn: (server: string) => readonly ComfyTask[]
  /** The query credential of a server's `/view` URLs (`auth.query`), if it has one. */
  credentialOf?: (server: string) => QueryCredential | undefined
  /** The prompts waiting on a server (the jobs API where it has one, else `/queue`). */
  queue: (server: string) => Promise<WaitingPrompts>
  now?: () => number
  /** A task's view changed. */
  changed?: () => void
}

/** The message types that move a task's overall progress or queue position. */
const TRACKED_TYPES: ReadonlySet<string> = new Set(['execution_start', 'execution_cached', 'executing', 'progress', 'progress_state', 'executed', 'execution_success', 'status'])

/** Follows the tasks submitted through the workflow path; plain data in a map that reports its changes, one entry per task. */
export function createWorkflowInsight(ctx: WorkflowInsightContext) {
  const now = ctx.now ?? Date.now
  const tracked = new NotifyingMap<string, Tracked>(ctx.changed ?? (() => {}))
  let runTimes: RunTimes = {}
  const queueFetch = new Map<string, { again: boolean }>()
  /** Servers whose positions were read since their last `status` frame. */
  const fresh = new Set<string>()
  /** Tasks whose view was read while they waited: their positions are kept current. */
  const observed = new Set<string>()
  let disposed = false

  function update(promptId: string, patch: Partial<Tracked>): void {
    const entry = tracked.get(promptId)
    if (entry)
      tracked.set(promptId, { ...entry, ...patch })
  }

  /** Tracked tasks of `server` waiting in its queue whose position someone reads (from the server's pending tasks). */
  function observedOn(server: string): string[] {
    const ids: string[] = []
    for (const task of ctx.pendingOn(server)) {
      if (task.state === 'queued' && observed.has(task.promptId))
        ids.push(task.promptId)
    }
    return ids
  }

  /** Expected end of a running task, estimated when read (not on every frame) from the recent runs and its progress. */
  function etaOf(entry: Tracked, task: ComfyTask): number | null {
    const at = now()
    const elapsed = at - (task.startedAt ?? at)
    const left = estimateRemaining(runTimesOf(runTimes, entry.server, entry.key), elapsed, entry.progress.fraction)
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
      for (const id of observedOn(server)) {
        const at = waiting.pending.indexOf(id)
        if (at < 0)
          continue // started or ended meanwhile: its frames will say so
        // Whatever runs is ahead too. A position only goes down while the task waits (a read racing a frame can
        // be older than the last one).
        const known = tracked.get(id)?.queuePosition ?? null
        const position = known === null ? waiting.running.length + at : Math.min(known, waiting.running.length + at)
        if (position !== known)
          update(id, { queuePosition: position })
      }
    }, () => fresh.delete(server)).finally(() => {
      queueFetch.delete(server)
      if (state.again && observedOn(server).length > 0)
        refreshQueue(server)
    })
  }

  return {
    track(promptId: string, server: string, workflow: ComfyWorkflow, filled: FilledWorkflow | null, nodes: readonly string[], format: 'api' | 'ui' = 'api'): void {
      tracked.set(promptId, { server, workflow, key: workflowKey(workflow), filled, format, progress: startWorkflowProgress(nodes), queuePosition: null })
    },
    /** The server runs only these nodes (it ignores the outputs of a partly valid prompt): progress counts only them. */
    retarget(promptId: string, nodes: readonly string[]): void {
      const entry = tracked.get(promptId)
      if (!entry)
        return
      const keep = new Set(nodes)
      update(promptId, { progress: { ...entry.progress, nodes: entry.progress.nodes.filter(n => keep.has(n)), done: entry.progress.done.filter(n => keep.has(n)) } })
    },
    /** The entry's workflow or values changed in place (seeds fitted to the server): show it. */
    touch(promptId: string): void {
      update(promptId, {})
    },
    rekey(from: string, to: string): void {
      const entry = tracked.get(from)
      if (entry) {
        tracked.delete(from)
        tracked.set(to, entry)
      }
      if (observed.delete(from))
        observed.add(to)
    },
    /** Every parsed text frame of `server`, before the frame router applies it to the task. */
    onMessage(server: string, message: ComfyMessage): void {
      if (disposed || tracked.size === 0 || !TRACKED_TYPES.has(message.type))
        return
      if (message.type === 'status') {
        // The queue changed. Ask again only for positions someone reads (a backend that never does pays nothing).
        fresh.delete(server)
        if (observedOn(server).length > 0)
          refreshQueue(server)
        return
      }
      const id = (message.data as { prompt_id?: unknown } | null)?.prompt_id
      const entry = typeof id === 'string' ? tracked.get(id) : undefined
      const task = entry && ctx.getTask(id as string)
      if (!entry || !task || entry.server !== server || isTerminal(task.state))
        return
      if (message.type === 'execution_success')
        runTimes = recordRunTime(runTimes, server, entry.key, now() - (task.startedAt ?? now()))
      const progress = advanceWorkflowProgress(entry.progress, message)
      if (progress !== entry.progress || message.type === 'execution_start')
        update(task.promptId, { progress, queuePosition: null })
    },
    /** Stops queue refreshes and forgets every entry (the store was disposed). */
    dispose(): void {
      disposed = true
      tracked.clear()
      observed.clear()
    },
    /** Forgets the entry of a task the store no longer keeps. */
    forget(promptId: string): void {
      tracked.delete(promptId)
      observed.delete(promptId)
    },
    /** Every output file of a task, by kind, with `/view` URLs (node titles when the task was submitted here). */
    filesOf(task: ComfyTask): OutputFile[] {
      return normalizeOutputs(task.outputs as NodeOutputs, task.server, tracked.get(task.promptId)?.workflow, ctx.credentialOf?.(task.server)).files
    },
    /** The view of one task, or `undefined` when it was not submitted through the workflow path. */
    view(promptId: string): TaskWorkflowView | undefined {
      const entry = tracked.get(promptId)
      const task = ctx.getTask(promptId)
      if (!entry || !task)
        return undefined
      const succeeded = task.state === 'succeeded'
      const running = task.state === 'running'
      if (task.state === 'queued' && !disposed) {
        // Read: from now on its position is kept current; the first read (or one after a change) asks the server.
        observed.add(promptId)
        if (!fresh.has(entry.server))
          refreshQueue(entry.server)
      }
      return {
        progress: succeeded ? 1 : entry.progress.fraction,
        nodesDone: succeeded ? entry.progress.nodes.length : entry.progress.done.length,
        nodesTotal: entry.progress.nodes.length,
        runningNode: running ? entry.progress.running?.node ?? task.node : null,
        queuePosition: task.state === 'queued' ? entry.queuePosition : null,
        eta: running ? etaOf(entry, task) : null,
        outputs: normalizeOutputs(task.outputs as NodeOutputs, task.server, entry.workflow, ctx.credentialOf?.(task.server)),
        values: entry.filled?.values ?? {},
        seeds: entry.filled?.seeds ?? {},
        format: entry.format,
        prompt: entry.workflow,
      }
    },
  }
}

/** The insight's type. */
export type WorkflowInsight = ReturnType<typeof createWorkflowInsight>
