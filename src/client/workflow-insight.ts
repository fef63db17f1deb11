import type { QueryCredential } from '../core/server-url'
import type { NodeOutputs, QueueSnapshot } from '../core/api-types'
import type { NormalizedOutputs, OutputFile } from '../core/outputs'
import type { ComfyTask } from '../core/task-state'
import type { ComfyWorkflow } from '../core/validate-input'
import type { RunTimes, WorkflowProgress } from '../core/workflow-progress'
import type { FilledWorkflow } from '../core/workflow-template'
import type { ComfyMessage, ParseResult } from '../core/protocol'
import { normalizeOutputs } from '../core/outputs'
import { NotifyingMap } from './state-map'
import { parseMessage } from '../core/protocol'
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
  /** Prompts ahead of this one in its server's queue (0 = next) while queued, from `/queue`; else `null`. */
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
  eta: number | null
}

/** What the insight reads from the store. */
export interface WorkflowInsightContext {
  getTask: (promptId: string) => ComfyTask | undefined
  /** The query credential of a server's `/view` URLs (`auth.query`), if it has one. */
  credentialOf?: (server: string) => QueryCredential | undefined
  queue: (server: string) => Promise<QueueSnapshot>
  now?: () => number
  /** A task's view changed. */
  changed?: () => void
}

// ComfyUI writes `type` first (`json.dumps({"type": …, "data": …})`), so the head of a frame tells whether to parse it.
const TRACKED_TYPES = /"type"\s*:\s*"(?:execution_start|execution_cached|executing|progress|progress_state|executed|execution_success|status)"/

/** Follows the tasks submitted through the workflow path; plain data in a map that reports its changes, one entry per task. */
export function createWorkflowInsight(ctx: WorkflowInsightContext) {
  const now = ctx.now ?? Date.now
  const tracked = new NotifyingMap<string, Tracked>(ctx.changed ?? (() => {}))
  let runTimes: RunTimes = {}
  const queueFetch = new Map<string, { again: boolean }>()
  let disposed = false

  function update(promptId: string, patch: Partial<Tracked>): void {
    const entry = tracked.get(promptId)
    if (entry)
      tracked.set(promptId, { ...entry, ...patch })
  }

  function hasQueued(server: string): boolean {
    for (const [id, t] of tracked) {
      const state = ctx.getTask(id)?.state
      if (t.server === server && (state === 'queued' || state === 'preparing'))
        return true
    }
    return false
  }

  function hasPending(server: string): boolean {
    for (const [id, t] of tracked) {
      if (t.server === server && !isTerminal(ctx.getTask(id)?.state ?? 'lost'))
        return true
    }
    return false
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
    ctx.queue(server).then((snapshot) => {
      const order = [...snapshot.running, ...snapshot.pending]
      for (const [id, t] of tracked) {
        if (t.server !== server)
          continue
        const at = order.indexOf(id)
        const position = at < 0 || snapshot.running.includes(id) ? null : at
        if (position !== t.queuePosition)
          update(id, { queuePosition: position })
      }
    }, () => {}).finally(() => {
      queueFetch.delete(server)
      if (state.again && hasQueued(server))
        refreshQueue(server)
    })
  }

  return {
    track(promptId: string, server: string, workflow: ComfyWorkflow, filled: FilledWorkflow | null, nodes: readonly string[], format: 'api' | 'ui' = 'api'): void {
      tracked.set(promptId, { server, workflow, key: workflowKey(workflow), filled, format, progress: startWorkflowProgress(nodes), queuePosition: null, eta: null })
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
    },
    /**
     * Every socket frame of `server`; only read while a tracked task is pending there. `parsed` is the frame already
     * parsed by the caller (the frame router parses each text frame anyway), so it is not parsed twice.
     */
    onFrame(server: string, data: unknown, parsed?: ParseResult<ComfyMessage>): void {
      if (disposed || typeof data !== 'string' || tracked.size === 0 || !TRACKED_TYPES.test(data.slice(0, 64)))
        return
      const result = parsed ?? parseMessage(data)
      if (!result.ok)
        return
      const message = result.value
      // The frame's own task pending here settles it without scanning every tracked entry (most of them ended).
      const ownId = message.type === 'status' ? undefined : (message.data as { prompt_id?: unknown } | null)?.prompt_id
      const own = typeof ownId === 'string' ? tracked.get(ownId) : undefined
      if (!(own && own.server === server && !isTerminal(ctx.getTask(ownId as string)?.state ?? 'lost')) && !hasPending(server))
        return
      if (message.type === 'status') {
        const remaining = message.data.status?.exec_info?.queue_remaining
        if (typeof remaining === 'number' && remaining <= 1) {
          // One prompt at most on the server: a queued task of ours is it, and next. No need to ask /queue.
          for (const [id, t] of tracked) {
            if (t.server === server && ctx.getTask(id)?.state === 'queued' && t.queuePosition !== 0)
              update(id, { queuePosition: 0 })
          }
        }
        else if (hasQueued(server)) {
          refreshQueue(server)
        }
        return
      }
      const id = (message.data as { prompt_id?: unknown } | null)?.prompt_id
      const promptId = typeof id === 'string' ? id : undefined
      const entry = promptId === undefined ? undefined : tracked.get(promptId)
      if (!promptId || !entry || entry.server !== server)
        return
      const progress = advanceWorkflowProgress(entry.progress, message)
      const task = ctx.getTask(promptId)
      const started = task?.startedAt ?? now()
      if (message.type === 'execution_success')
        runTimes = recordRunTime(runTimes, server, entry.key, now() - started)
      const left = estimateRemaining(runTimesOf(runTimes, server, entry.key), now() - started, progress.fraction)
      if (progress !== entry.progress || message.type === 'execution_start')
        update(promptId, { progress, queuePosition: null, eta: left === null ? null : now() + left })
    },
    /** Stops queue refreshes and forgets every entry (the store was disposed). */
    dispose(): void {
      disposed = true
      tracked.clear()
    },
    /** Forgets entries whose task the store no longer keeps. */
    prune(keep: (promptId: string) => boolean): void {
      for (const id of [...tracked.keys()]) {
        if (!keep(id))
          tracked.delete(id)
      }
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
      return {
        progress: succeeded ? 1 : entry.progress.fraction,
        nodesDone: succeeded ? entry.progress.nodes.length : entry.progress.done.length,
        nodesTotal: entry.progress.nodes.length,
        runningNode: running ? entry.progress.running?.node ?? task.node : null,
        queuePosition: task.state === 'queued' ? entry.queuePosition : null,
        eta: running ? entry.eta : null,
        outputs: normalizeOutputs(task.outputs as NodeOutputs, task.server, entry.workflow),
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
