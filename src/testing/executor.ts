import type { SimulatorClock } from './clock'
import type { FileRef, FileStore } from './files'
import type { NodeRunContext, SimMask } from './nodes'
import type { SimImage } from './png'
import type { SocketHub } from './socket-hub'
import type { ResolvedTiming } from './timing'
import type { SimulatorVersion } from './types'
import type { Prompt } from './validation'
import { previewFrame, previewWithMetadataFrame, PREVIEW_IMAGE_TYPE, textFrame } from './binary-frames'
import { ExecutionList } from './execution-list'
import { signatures } from './node-cache'
import { ExecutionAborted, InterruptProcessing, PyException, simFrame } from './node-errors'
import { NODE_DEFS } from './nodes'
import { numberOf, PyFloat, pyRepr } from './py-json'
import { ProgressState } from './progress-state'
import { SimWaits } from './sim-waits'

/** A queued prompt: ComfyUI's `(number, prompt_id, prompt, extra_data, outputs_to_execute)`. */
export interface QueueItem {
  number: number | PyFloat
  promptId: string
  prompt: Prompt
  extraData: Record<string, unknown>
  outputs: string[]
}

export interface HistoryEntry {
  prompt: unknown[]
  outputs: Record<string, unknown>
  status: { status_str: 'success' | 'error', completed: boolean, messages: [string, Record<string, unknown>][] }
  meta: Record<string, unknown>
}

export interface ExecutorOptions {
  version: SimulatorVersion
  speed: number
  files: FileStore
  hub: SocketHub
  /** Where node time, steps and prompt starts wait. */
  clock: SimulatorClock
  /** How long prompts take to start and nodes to run (before `speed`). */
  timing: ResolvedTiming
}

/** ComfyUI keeps at most this many history entries. */
const MAXIMUM_HISTORY_SIZE = 10000

export function queueTuple(item: QueueItem): unknown[] {
  return [item.number, item.promptId, item.prompt, item.extraData, item.outputs]
}

function describe(value: unknown): unknown {
  if (value === null || value === undefined)
    return null
  if (typeof value !== 'object' || value instanceof PyFloat)
    return value
  if (Array.isArray(value) && value.length > 0 && value.every(v => typeof v === 'object' && v !== null && 'data' in v)) {
    const first = value[0] as SimImage | SimMask
    const mask = first.data instanceof Float32Array
    const shape = mask ? [value.length, first.height, first.width] : [value.length, first.height, first.width, 3]
    return `tensor(<simulated ${mask ? 'mask' : 'image'} batch, shape [${shape.join(', ')}]>)`
  }
  return pyRepr(value)
}

/**
 * One queue and one prompt at a time, in order, with the messages, history and cache of a ComfyUI server.
 * Everything a prompt sends goes through the {@link SocketHub}, to its `client_id` only.
 */
export class Executor {
  pending: QueueItem[] = []
  running: QueueItem | null = null
  readonly history = new Map<string, HistoryEntry>()
  /** `server.number`: the next prompt number. */
  number = 0
  /** `server.client_id`: the client of the prompt that runs (or ran last). */
  clientId: unknown = null
  /** `server.last_node_id`. */
  lastNodeId: string | null = null
  readonly #outputs = new Map<string, unknown[]>()
  readonly #ui = new Map<string, { images: FileRef[] }>()
  readonly #waits: SimWaits
  #interrupted = false
  #epoch = 0
  #closed = false

  constructor(readonly options: ExecutorOptions) {
    this.#waits = new SimWaits(options.clock)
  }

  get queueRemaining(): number {
    return this.pending.length + (this.running ? 1 : 0)
  }

  /** `queue_updated()`: a `status` broadcast. */
  broadcastStatus(): void {
    this.options.hub.send('status', { status: { exec_info: { queue_remaining: this.queueRemaining } } }, null)
  }

  put(item: QueueItem): void {
    this.pending.push(item)
    this.pending.sort((a, b) => numberOf(a.number) - numberOf(b.number) || (a.promptId < b.promptId ? -1 : a.promptId > b.promptId ? 1 : 0))
    this.broadcastStatus()
    this.#schedule()
  }

  /** `delete_queue_item`: deleting the last pending item wipes the queue, hence two `status` messages. */
  deletePending(promptId: string): boolean {
    const index = this.pending.findIndex(i => i.promptId === promptId)
    if (index < 0)
      return false
    if (this.pending.length === 1)
      this.wipe()
    else
      this.pending.splice(index, 1)
    this.broadcastStatus()
    return true
  }

  wipe(): void {
    this.pending = []
    this.broadcastStatus()
  }

  /** `interrupt_processing()`: the running node stops at its next check. */
  interrupt(): void {
    this.#interrupted = true
  }

  /** Restart: forget queue, history, cache and counters; the running prompt vanishes without a message. */
  reset(): void {
    this.#epoch++
    this.#waits.cancelAll()
    this.pending = []
    this.running = null
    this.history.clear()
    this.number = 0
    this.clientId = null
    this.lastNodeId = null
    this.#outputs.clear()
    this.#ui.clear()
    this.#interrupted = false
  }

  dispose(): void {
    this.#closed = true
    this.reset()
  }

  #schedule(): void {
    if (this.#waits.starting || this.running || this.#closed)
      return
    this.#waits.startIn(this.options.timing.startMs / this.options.speed, () => this.#next())
  }

  #next(): void {
    if (this.running || this.#closed)
      return
    const item = this.pending.shift()
    if (!item)
      return
    this.running = item
    this.broadcastStatus()
    const epoch = this.#epoch
    this.#run(item, epoch).catch(() => {}).finally(() => {
      if (epoch === this.#epoch)
        this.#schedule()
    })
  }

  /** Let `ms` of simulated time pass (before `speed`); none: no wait at all. */
  async #spend(ms: number, alive: () => void): Promise<void> {
    if (ms <= 0)
      return
    await this.#waits.sleep(ms / this.options.speed)
    alive()
  }

  async #run(item: QueueItem, epoch: number): Promise<void> {
    const { hub, version, files, speed, timing } = this.options
    const { promptId, prompt } = item
    const progressOn = version !== '0.3.44'
    const alive = (): void => {
      if (epoch !== this.#epoch)
        throw new ExecutionAborted()
    }
    this.clientId = item.extraData.client_id ?? null
    this.#interrupted = false
    const client = this.clientId
    const send = (type: string, data: unknown): void => hub.send(type, data, client)
    const messages: [string, Record<string, unknown>][] = []
    const addMessage = (event: string, data: Record<string, unknown>, broadcast: boolean): void => {
      const stamped = { ...data, timestamp: Date.now() }
      messages.push([event, stamped])
      if (client !== null || broadcast)
        send(event, stamped)
    }

    addMessage('execution_start', { prompt_id: promptId }, false)
    const sigs = signatures(prompt, files)
    const current = new Set(sigs.values())
    for (const key of [...this.#outputs.keys()]) {
      if (!current.has(key))
        this.#outputs.delete(key)
    }
    const uiKey = (id: string): string => `${id}:${String(prompt[id]?.class_type)}`
    const uiKeys = new Set(Object.keys(prompt).map(uiKey))
    for (const key of [...this.#ui.keys()]) {
      if (!uiKeys.has(key))
        this.#ui.delete(key)
    }
    const isCached = (id: string): boolean => this.#outputs.has(sigs.get(id) ?? '')
    addMessage('execution_cached', { nodes: Object.keys(prompt).filter(isCached), prompt_id: promptId }, false)

    const progress = new ProgressState(promptId)
    const sendProgressState = (): void => {
      if (progressOn)
        send('progress_state', progress.message())
    }
    const executed: string[] = []
    const visitedUi: string[] = []
    const list = new ExecutionList(prompt, isCached)
    for (const output of item.outputs)
      list.add(output)

    let outcome: 'success' | 'error' = 'success'
    let nodeId = ''
    let inputsOfNode: Record<string, unknown> = {}
    let nodesDone = 0
    try {
      while (!list.isEmpty) {
        const next = list.next()
        if (next === null)
          throw new PyException('comfy_execution.graph.DependencyCycleError', 'Dependency cycle detected', [simFrame('stage_node_execution', 'raise DependencyCycleError("Dependency cycle detected")')])
        nodeId = next
        const node = prompt[nodeId]
        const def = NODE_DEFS.get(String(node?.class_type))
        if (!node || !def)
          throw new PyException('KeyError', pyRepr(nodeId, false))
        if (isCached(nodeId)) {
          if (client !== null) {
            const ui = this.#ui.get(uiKey(nodeId))
            send('executed', { node: nodeId, display_node: nodeId, output: ui ?? null, prompt_id: promptId })
            if (ui)
              visitedUi.push(nodeId)
          }
          progress.finish(nodeId)
          sendProgressState()
          list.complete(nodeId)
          nodesDone++
          continue
        }
        if (nodesDone > 0)
          await this.#spend(timing.betweenNodesMs, alive)
        progress.start(nodeId)
        sendProgressState()
        if (client !== null) {
          this.lastNodeId = nodeId
          send('executing', { node: nodeId, display_node: nodeId, prompt_id: promptId })
        }
        const values: Record<string, unknown> = {}
        for (const [name, value] of Object.entries(node.inputs ?? {})) {
          if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string')
            values[name] = this.#outputs.get(sigs.get(value[0]) ?? '')?.[Number(value[1])]
          else
            values[name] = value
        }
        for (const [name, kind] of Object.entries(def.inputs(files).hidden ?? {}))
          values[name] = kind === 'UNIQUE_ID' ? nodeId : kind === 'PROMPT' ? prompt : kind === 'EXTRA_PNGINFO' ? item.extraData.extra_pnginfo ?? null : null
        inputsOfNode = values
        if (this.#interrupted)
          throw new InterruptProcessing()
        const ctx: NodeRunContext = {
          nodeId,
          promptId,
          prompt,
          files,
          speed,
          sleep: async (ms) => {
            await this.#waits.sleep(ms)
            alive()
          },
          progress: (value, max, previewPng) => {
            alive()
            if (this.#interrupted)
              throw new InterruptProcessing()
            progress.update(nodeId, value, max)
            sendProgressState()
            const meta = previewPng !== undefined && hub.supportsPreviewMetadata(client)
            if (previewPng && meta) {
              hub.sendBinary(previewWithMetadataFrame({ node_id: nodeId, prompt_id: promptId, display_node_id: nodeId, parent_node_id: null, real_node_id: nodeId, image_type: 'image/png' }, previewPng), client)
            }
            send('progress', { value, max, prompt_id: promptId, node: nodeId })
            if (previewPng && !meta)
              hub.sendBinary(previewFrame(PREVIEW_IMAGE_TYPE.PNG, previewPng), client)
          },
          text: text => hub.sendBinary(textFrame(nodeId, text), null),
        }
        const numeric = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v instanceof PyFloat ? v.value : v]))
        await this.#spend(timing.nodeMs.get(def.name) ?? 0, alive)
        const result = await def.run(numeric, ctx)
        alive()
        this.#outputs.set(sigs.get(nodeId) ?? '', result.outputs)
        if (result.ui) {
          this.#ui.set(uiKey(nodeId), result.ui)
          visitedUi.push(nodeId)
          if (client !== null)
            send('executed', { node: nodeId, display_node: nodeId, output: result.ui, prompt_id: promptId })
        }
        progress.finish(nodeId)
        sendProgressState()
        executed.push(nodeId)
        list.complete(nodeId)
        nodesDone++
      }
      addMessage('execution_success', { prompt_id: promptId }, false)
    }
    catch (e) {
      if (e instanceof ExecutionAborted || epoch !== this.#epoch)
        return
      outcome = 'error'
      const nodeType = String(prompt[nodeId]?.class_type ?? '')
      if (e instanceof InterruptProcessing) {
        addMessage('execution_interrupted', { prompt_id: promptId, node_id: nodeId, node_type: nodeType, executed: [...executed] }, true)
      }
      else {
        const ex = e instanceof PyException ? e : new PyException('Exception', e instanceof Error ? e.message : String(e))
        addMessage('execution_error', {
          prompt_id: promptId,
          node_id: nodeId,
          node_type: nodeType,
          executed: [...executed],
          exception_message: `${ex.message}\n`,
          exception_type: ex.pyType,
          traceback: [simFrame('execute', 'output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(...)'), ...ex.frames],
          current_inputs: Object.fromEntries(Object.entries(inputsOfNode).map(([k, v]) => [k, [describe(v)]])),
          current_outputs: Object.keys(prompt).reverse(),
        }, false)
      }
    }
    if (epoch !== this.#epoch)
      return
    this.lastNodeId = null
    const outputs: Record<string, unknown> = {}
    const meta: Record<string, unknown> = {}
    for (const id of visitedUi) {
      outputs[id] = this.#ui.get(uiKey(id))
      meta[id] = { node_id: id, display_node: id, parent_node: null, real_node_id: id }
    }
    if (this.history.size >= MAXIMUM_HISTORY_SIZE && !this.history.has(promptId)) {
      const oldest = this.history.keys().next()
      if (!oldest.done)
        this.history.delete(oldest.value)
    }
    this.history.set(promptId, {
      prompt: queueTuple(item),
      outputs,
      status: { status_str: outcome, completed: outcome === 'success', messages },
      meta,
    })
    this.running = null
    this.broadcastStatus()
    if (client !== null)
      send('executing', { node: null, prompt_id: promptId })
  }
}
