import type { HistoryEntry } from '../core/api-types'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyMessage, ParseResult } from '../core/protocol'
import type { FrameRules } from '../core/task-reducer'
import type { Task } from './task'
import type { TaskCache } from './task-cache'
import { parseBinaryFrame } from '../core/binary-frames'
import { parseMessage } from '../core/protocol'
import { applyMessage, applyPreview, messagePromptId } from '../core/task-frames'
import { endTask, isTerminal } from '../core/task-state'
import { reconcileTask } from '../core/task-reconcile'
import { ProgressFold } from '../core/workflow-progress'
import { HISTORY_ERROR_RETRY_MS, historyReadError, isAnsweredFailure } from './history-failure'

/** The frame rules the router passes to its tasks (the startup code holds none of them, see FrameRules). */
const rules: FrameRules = { applyMessage, applyPreview, fold: progress => new ProgressFold(progress) }

/** What the frame router reads and calls in the store. */
export interface FrameRouterContext {
  cache: TaskCache
  /** The client's clock. */
  now: () => number
  /** A `status` frame of `server` (its queue changed). */
  onStatus: (server: string) => void
  /** `execution_success` of a task, as it arrives. */
  onSuccess: (task: Task, at: number) => void
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  history: (server: string, promptId: string) => Promise<HistoryEntry | null>
  lostGraceMs: number
  onMalformed: (server: string, reason: string) => void
  /** A frame about one of our tasks on `server` arrived. */
  onTaskFrame: (server: string, at: number) => void
  warn: (message: string, data?: unknown) => void
  /** A timer of the store's group (cleared on dispose). */
  after: (ms: number, callback: () => void) => void
  /** The success could not be confirmed from `/history` yet: let reconcile ask again. */
  requestReconcile: (server: string) => void
}

/** Waits between the `/history` reads after `execution_success` while it has no entry: ComfyUI stores it just after. */
const HISTORY_RETRY_MS = [50, 150, 400] as const

/**
 * Routes each frame of a server's socket to the task it is about, through the core parsers and reducer. Frames about
 * other clients' prompts, or about tasks of another server, change nothing; malformed frames are reported, never thrown.
 */
export function createFrameRouter(ctx: FrameRouterContext): (server: string, data: unknown, at?: number) => void {
  const { cache, now } = ctx

  /** The task a frame without `prompt_id` is about: the one running on that server, else the first queued there. */
  function runningPromptId(server: string): string | undefined {
    let best: Task | undefined
    for (const entry of cache.pendingTasksOn(server)) {
      const task = entry.snapshot
      if (task.state === 'preparing')
        continue
      if (task.state === 'running')
        return task.promptId
      if (!best || (task.number ?? Infinity) < (best.snapshot.number ?? Infinity))
        best = entry
    }
    return best?.promptId
  }

  /** Our task `id` on `server`, if the frame is about one (else another client's prompt, or one pruned already). */
  function taskOn(server: string, id: string | undefined): Task | undefined {
    const task = id === undefined ? undefined : cache.get(id)
    return task && task.server === server ? task : undefined
  }

  /** `at`: when the frame arrived, if the socket read the clock already (else it is read here, once per frame). */
  function handleFrame(server: string, data: unknown, at?: number): void {
    if (typeof data === 'string')
      return handleText(server, parseMessage(data), at)
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
      return handleBinary(server, data instanceof ArrayBuffer ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at)
    if (typeof Blob !== 'undefined' && data instanceof Blob)
      return void data.arrayBuffer().then(buffer => handleFrame(server, buffer), () => ctx.onMalformed(server, 'unreadable binary frame'))
    ctx.onMalformed(server, `frame of unexpected type ${typeof data}`)
  }

  function handleText(server: string, parsed: ParseResult<ComfyMessage>, arrivedAt: number | undefined): void {
    if (!parsed.ok)
      return ctx.onMalformed(server, parsed.reason)
    const message = parsed.value
    if (message.type === 'status') {
      const queueRemaining = message.data.status?.exec_info?.queue_remaining
      if (typeof queueRemaining === 'number')
        ctx.updateServer(server, { queueRemaining, health: 'healthy' })
      return ctx.onStatus(server)
    }
    // Only `executing` and `progress` may lack a prompt_id: the running task is looked up for those alone.
    const id = messagePromptId(message, undefined) ?? (message.type === 'executing' || message.type === 'progress' ? messagePromptId(message, runningPromptId(server)) : undefined)
    const task = taskOn(server, id)
    if (!task)
      return // another client's prompt, or one of ours that already ended and was pruned
    const at = arrivedAt ?? now()
    ctx.onTaskFrame(server, at)
    task.frame(message, at, rules)
    // The history is the authority on outputs: an `executed` frame may have been lost, oversized or malformed.
    if (message.type === 'execution_success' && !isTerminal(task.snapshot.state)) {
      ctx.onSuccess(task, at)
      void completeFromHistory(task, () => task.dispatch({ type: 'frames-final', message, at: now(), rules }))
    }
  }

  function handleBinary(server: string, data: ArrayBuffer | Uint8Array, arrivedAt: number | undefined): void {
    const parsed = parseBinaryFrame(data)
    if (!parsed.ok)
      return ctx.onMalformed(server, parsed.reason)
    const frame = parsed.value
    if (frame.kind !== 'preview')
      return
    const task = taskOn(server, frame.metadata?.prompt_id ?? runningPromptId(server))
    if (!task)
      return
    const at = arrivedAt ?? now()
    ctx.onTaskFrame(server, at)
    const before = task.snapshot
    if (isTerminal(before.state))
      return
    // The URL first: the one change the task's observers hear of shows the new preview and its URL together.
    if (typeof URL.createObjectURL === 'function')
      cache.setPreviewUrl(task, URL.createObjectURL(new Blob([frame.bytes.slice()], { type: frame.imageType })))
    task.dispatch({ type: 'preview', preview: { mime: frame.imageType, bytes: frame.bytes, nodeId: frame.metadata?.node_id ?? before.node, receivedAt: at }, rules })
  }

  /**
   * Success was announced: take the outputs from `/history/{id}`, read again a few times while the entry is not there
   * yet. With no entry at all in the end, the frames' outputs are all there is. A server that answers with an error
   * status or an unreadable entry is asked again with backoff, then the task fails with what it answered; a server
   * that does not answer is an outage: the task stays running and reconcile (and the outage clock) settle it.
   */
  async function completeFromHistory(task: Task, fromFrames: () => void, attempt = 0, failedReads = 0): Promise<void> {
    if (isTerminal(task.snapshot.state))
      return
    const { server, promptId } = task
    let history: HistoryEntry | null
    try {
      history = await ctx.history(server, promptId)
    }
    catch (error) {
      if (!isAnsweredFailure(error)) {
        ctx.warn(`could not fetch the outputs of ${promptId} from /history; reconcile will ask again`, error)
        return ctx.requestReconcile(server)
      }
      const current = task.snapshot
      if (isTerminal(current.state))
        return
      const wait = HISTORY_ERROR_RETRY_MS[failedReads]
      if (wait === undefined)
        return task.dispatch({ type: 'set', task: endTask(current, 'failed', historyReadError(error, promptId, failedReads + 1), now()) })
      ctx.warn(`/history answered an error for ${promptId}; reading it again in ${wait} ms`, error)
      return ctx.after(wait, () => void completeFromHistory(task, fromFrames, attempt, failedReads + 1))
    }
    const current = task.snapshot
    if (isTerminal(current.state) || cache.get(promptId) !== task)
      return // ended meanwhile, or dropped from the cache
    const next = history ? reconcileTask(current, { history, queue: undefined }, now(), ctx.lostGraceMs) : 'lost'
    if (next !== 'lost' && isTerminal(next.state))
      return task.dispatch({ type: 'set', task: next })
    const delay = HISTORY_RETRY_MS[attempt]
    if (delay !== undefined)
      return ctx.after(delay, () => void completeFromHistory(task, fromFrames, attempt + 1, failedReads))
    if (next === 'lost')
      return fromFrames()
    ctx.requestReconcile(server)
  }

  return handleFrame
}
