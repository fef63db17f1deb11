import type { ObjectInfo } from './object-info'
import type { ComfyMessage } from './protocol'
import type { ComfyWorkflow } from './validate-input'
import { dependenciesOf, isLink } from './workflow-link'

/** Overall progress of one prompt: plain data, advanced by {@link advanceWorkflowProgress}. */
export interface WorkflowProgress {
  /** Node ids the prompt runs (grows when the server reports nodes it expanded). */
  nodes: readonly string[]
  /** Nodes finished or cached. */
  done: readonly string[]
  /** The running node and its own step fraction (0..1). */
  running: { node: string, fraction: number } | null
  /** `(done + running fraction) / nodes`, in 0..1; it never goes back. */
  fraction: number
}

/**
 * The nodes a prompt will run: the output nodes (by `objectInfo`'s `output_node`) and everything they link from.
 * Without `objectInfo`, every node of the workflow. `ignored`: outputs the server will not run (those its
 * `node_errors` name as `dependent_outputs` of a partly valid prompt).
 */
export function nodesToRun(workflow: ComfyWorkflow, objectInfo?: ObjectInfo, ignored: ReadonlySet<string> = new Set()): string[] {
  const all = Object.keys(workflow)
  if (!objectInfo)
    return all
  const outputs = all.filter(id => objectInfo[workflow[id]?.class_type ?? '']?.output_node === true && !ignored.has(id))
  if (outputs.length === 0)
    return all
  const seen = dependenciesOf(workflow, outputs)
  return all.filter(id => seen.has(id))
}

/** Progress before the first message. */
export function startWorkflowProgress(nodes: Iterable<string>): WorkflowProgress {
  return { nodes: [...new Set(nodes)], done: [], running: null, fraction: 0 }
}

function ratio(value: number, max: number): number {
  return max > 0 ? Math.min(Math.max(value / max, 0), 1) : 0
}

/**
 * A workflow's progress as one task folds it, frame after frame: mutable and owned by that task, so that a frame costs
 * a few Set lookups and no copy. {@link ProgressFold.view} gives the plain {@link WorkflowProgress}, built when someone
 * reads it (a UI reads once per render, frames come many times a second) and kept while nothing moves.
 */
export class ProgressFold {
  readonly #nodes: Set<string>
  #done: Set<string>
  #running: WorkflowProgress['running']
  #fraction: number
  /** The last view built, while the progress has not moved since. */
  #view: WorkflowProgress | undefined
  /** The arrays of the last view, kept while no node was added to them. */
  #nodeList: readonly string[] | undefined
  #doneList: readonly string[] | undefined
  /** A node was added to `nodes` or `done` by the message being folded. */
  #grew = false

  constructor(p: WorkflowProgress) {
    this.#nodes = new Set(p.nodes)
    this.#done = new Set(p.done)
    this.#running = p.running
    this.#fraction = p.fraction
    this.#view = p
    this.#nodeList = p.nodes
    this.#doneList = p.done
  }

  /** The progress as plain data: the same object until the progress moves again. */
  view(): WorkflowProgress {
    return this.#view ??= {
      nodes: this.#nodeList ??= [...this.#nodes],
      done: this.#doneList ??= [...this.#done],
      running: this.#running,
      fraction: this.#fraction,
    }
  }

  /**
   * Folds one message of its prompt (the caller filters by prompt id) and tells whether the progress moved. Uses
   * `progress_state` where the server sends it (0.3.45+), and `executing`/`progress`/`executed`/`execution_cached`
   * otherwise. The same news again (a repeated frame) moves nothing.
   */
  apply(message: ComfyMessage): boolean {
    this.#grew = false
    let running = this.#running
    let all = false
    switch (message.type) {
      case 'execution_cached':
        for (const id of message.data.nodes) this.#finish(id)
        break
      case 'executing': {
        const id = message.data.node
        if (id === null) {
          running = null
          all = true
          break
        }
        // Nodes run one at a time: `executing` of another node means the previous one finished. 0.3.45+ announces a
        // node in `progress_state` just before its `executing`, so the same node is no news.
        if (running?.node === id)
          return false
        if (running)
          this.#finish(running.node)
        this.#add(id)
        running = { node: id, fraction: 0 }
        break
      }
      case 'progress': {
        const id = message.data.node ?? running?.node
        if (!id)
          return false
        this.#add(id)
        running = runningAt(this.#running, id, ratio(message.data.value, message.data.max))
        break
      }
      case 'executed':
        this.#finish(message.data.node)
        if (running?.node === message.data.node)
          running = null
        break
      case 'progress_state': {
        running = null
        const states = message.data.nodes
        // Object.keys, not for…in: the ids are integer keys, which for…in turns into new strings on every frame.
        for (const id of Object.keys(states)) {
          const n = states[id]
          if (!n)
            continue
          const nodeId = n.display_node_id ?? id
          if (n.state === 'finished')
            this.#finish(nodeId)
          else
            this.#add(nodeId)
          if (n.state === 'running')
            running = runningAt(this.#running, nodeId, ratio(n.value, n.max))
        }
        break
      }
      case 'execution_success':
        running = null
        all = true
        break
      default:
        return false
    }
    return this.#settle(running, all)
  }

  #add(id: string): void {
    if (!this.#nodes.has(id)) {
      this.#nodes.add(id)
      this.#nodeList = undefined
      this.#grew = true
    }
  }

  #finish(id: string): void {
    this.#add(id)
    if (!this.#done.has(id)) {
      this.#done.add(id)
      this.#doneList = undefined
      this.#grew = true
    }
  }

  #settle(running: WorkflowProgress['running'], all: boolean): boolean {
    let grew = this.#grew
    const nodes = this.#nodes
    if (all && this.#done.size < nodes.size) {
      this.#done = new Set(nodes)
      this.#doneList = undefined
      grew = true
    }
    const done = this.#done
    const runningShare = running && !done.has(running.node) ? running.fraction : 0
    const raw = all ? 1 : (done.size + runningShare) / Math.max(nodes.size, 1)
    const fraction = Math.max(this.#fraction, Math.min(raw, 1))
    if (!grew && fraction === this.#fraction && sameRunning(running, this.#running))
      return false
    this.#running = running
    this.#fraction = fraction
    this.#view = undefined
    return true
  }
}

/** The running node at `fraction`: `current` itself when it says the same (no object per repeated frame). */
function runningAt(current: WorkflowProgress['running'], node: string, fraction: number): WorkflowProgress['running'] {
  return current !== null && current.node === node && current.fraction === fraction ? current : { node, fraction }
}

function sameRunning(a: WorkflowProgress['running'], b: WorkflowProgress['running']): boolean {
  return a === b || (a !== null && b !== null && a.node === b.node && a.fraction === b.fraction)
}

/**
 * Advances `p` by one message of its prompt (see {@link ProgressFold.apply}). Returns `p` itself when the message
 * changes nothing (other messages, or the same news again).
 */
export function advanceWorkflowProgress(p: WorkflowProgress, message: ComfyMessage): WorkflowProgress {
  const fold = new ProgressFold(p)
  return fold.apply(message) ? fold.view() : p
}

/** A key shared by runs of the same workflow with other values: node ids, class types and links, not literals. */
export function workflowKey(workflow: ComfyWorkflow): string {
  const parts = Object.keys(workflow).sort().map((id) => {
    const node = workflow[id]
    const links: string[] = []
    for (const [input, value] of Object.entries(node?.inputs ?? {})) {
      if (isLink(value))
        links.push(`${input}<${String(value[0])}:${value[1]}`)
    }
    links.sort()
    return `${id}=${node?.class_type ?? ''}(${links.join(',')})`
  })
  let hash = 0x811C9DC5
  for (const ch of parts.join(';')) {
    hash ^= ch.charCodeAt(0)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}

/** Recent run times (ms) by `server + workflowKey`, newest last. */
export type RunTimes = Readonly<Record<string, readonly number[]>>

/** How many past runs an estimate uses. */
export const RUN_TIMES_KEPT = 5

/** `times` with one more run of `key` on `server`, keeping the last {@link RUN_TIMES_KEPT}. */
export function recordRunTime(times: RunTimes, server: string, key: string, ms: number): RunTimes {
  const id = `${server} ${key}`
  return { ...times, [id]: [...(times[id] ?? []), ms].slice(-RUN_TIMES_KEPT) }
}

/** The recent run times of `key` on `server`. */
export function runTimesOf(times: RunTimes, server: string, key: string): readonly number[] {
  return times[`${server} ${key}`] ?? []
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const upper = sorted[mid] ?? 0
  return sorted.length % 2 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2
}

/**
 * Milliseconds left for a running prompt: the median of the recent runs of the same workflow on that server minus the
 * time it has run; once past that (or with no past runs) extrapolated from `fraction` (from 5% on). `null` when unknown.
 */
export function estimateRemaining(recent: readonly number[], elapsedMs: number, fraction: number): number | null {
  if (fraction >= 1)
    return 0
  if (recent.length > 0) {
    const left = median(recent) - elapsedMs
    if (left > 0)
      return left
  }
  if (fraction < 0.05)
    return null
  return Math.round(elapsedMs * (1 - fraction) / fraction)
}
