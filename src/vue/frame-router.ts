import type { HistoryEntry } from '../core/api-types'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyTask } from '../core/task-state'
import { parseBinaryFrame } from '../core/binary-frames'
import { parseMessage } from '../core/protocol'
import { applyMessage, applyPreview, isTerminal, messagePromptId, reconcileTask } from '../core/task-state'

/** What the frame router reads and calls in the store. */
export interface FrameRouterContext {
  tasks: ReadonlyMap<string, ComfyTask>
  previewUrls: Map<string, string>
  pendingOn: (server: string) => ComfyTask[]
  setTask: (task: ComfyTask) => void
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  history: (server: string, promptId: string) => Promise<HistoryEntry | null>
  lostGraceMs: number
  onMalformed: (server: string, reason: string) => void
  /** A frame about one of our tasks on `server` arrived. */
  onTaskFrame: (server: string) => void
  warn: (message: string, data?: unknown) => void
}

/**
 * Routes each frame of a server's socket to the task it is about, through the core parsers and reducer. Frames about
 * other clients' prompts, or about tasks of another server, change nothing; malformed frames are reported, never thrown.
 */
export function createFrameRouter(ctx: FrameRouterContext): (server: string, data: unknown) => void {
  const { tasks, setTask } = ctx

  /** The task a frame without `prompt_id` is about: the one running on that server, else the first queued there. */
  function runningPromptId(server: string): string | undefined {
    let best: ComfyTask | undefined
    for (const task of ctx.pendingOn(server)) {
      if (task.state === 'preparing')
        continue
      if (task.state === 'running')
        return task.promptId
      if (!best || (task.number ?? Infinity) < (best.number ?? Infinity))
        best = task
    }
    return best?.promptId
  }

  function handleFrame(server: string, data: unknown): void {
    if (typeof data === 'string')
      return handleText(server, data)
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
      return handleBinary(server, data instanceof ArrayBuffer ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    if (typeof Blob !== 'undefined' && data instanceof Blob)
      return void data.arrayBuffer().then(buffer => handleFrame(server, buffer), () => ctx.onMalformed(server, 'unreadable binary frame'))
    ctx.onMalformed(server, `frame of unexpected type ${typeof data}`)
  }

  function handleText(server: string, data: string): void {
    const parsed = parseMessage(data)
    if (!parsed.ok)
      return ctx.onMalformed(server, parsed.reason)
    const message = parsed.value
    if (message.type === 'status') {
      const queueRemaining = message.data.status?.exec_info?.queue_remaining
      if (typeof queueRemaining === 'number')
        ctx.updateServer(server, { queueRemaining, health: 'healthy' })
      return
    }
    const id = messagePromptId(message, runningPromptId(server))
    const task = id === undefined ? undefined : tasks.get(id)
    if (!task || task.server !== server)
      return // another client's prompt, or one of ours that already ended and was pruned
    ctx.onTaskFrame(server)
    if (message.type === 'execution_success' && Object.keys(task.outputs).length === 0)
      return void completeFromHistory(task.promptId, () => applyMessage(task, message, Date.now()))
    setTask(applyMessage(task, message, Date.now()))
  }

  function handleBinary(server: string, data: ArrayBuffer | Uint8Array): void {
    const parsed = parseBinaryFrame(data)
    if (!parsed.ok)
      return ctx.onMalformed(server, parsed.reason)
    const frame = parsed.value
    if (frame.kind !== 'preview')
      return
    const id = frame.metadata?.prompt_id ?? runningPromptId(server)
    const task = id === undefined ? undefined : tasks.get(id)
    if (!task || task.server !== server)
      return
    ctx.onTaskFrame(server)
    const next = applyPreview(task, { mime: frame.imageType, bytes: frame.bytes, nodeId: frame.metadata?.node_id ?? task.node, receivedAt: Date.now() })
    setTask(next)
    if (next !== task && typeof URL.createObjectURL === 'function') {
      const old = ctx.previewUrls.get(task.promptId)
      ctx.previewUrls.set(task.promptId, URL.createObjectURL(new Blob([frame.bytes.slice()], { type: frame.imageType })))
      if (old)
        URL.revokeObjectURL(old)
    }
  }

  /** Success was announced but no `executed` reached us (the socket was down then): take the outputs from `/history`. */
  async function completeFromHistory(promptId: string, fallback: () => ComfyTask): Promise<void> {
    const task = tasks.get(promptId)
    if (!task)
      return
    try {
      const history = await ctx.history(task.server, promptId)
      const current = tasks.get(promptId)
      if (!current)
        return
      const next = history ? reconcileTask(current, { history, queue: undefined }, Date.now(), ctx.lostGraceMs) : 'lost'
      setTask(next === 'lost' || !isTerminal(next.state) ? fallback() : next)
    }
    catch (error) {
      ctx.warn(`could not fetch the outputs of ${promptId} from /history`, error)
      setTask(fallback())
    }
  }

  return handleFrame
}
