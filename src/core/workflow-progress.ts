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
 * The members of a progress's `nodes` or `done` array as a Set, kept while the array lives: progress frames arrive many
 * times a second and rarely add a node, so the same arrays (and their Sets) serve frame after frame.
 */
const members = new WeakMap<readonly string[], ReadonlySet<string>>()

function membersOf(list: readonly string[]): ReadonlySet<string> {
  let set = members.get(list)
  if (!set) {
    set = new Set(list)
    members.set(list, set)
  }
  return set
}

/** `list` with `id` appended (a new array, its Set registered), or `list` itself when it has `id`. */
function withMember(list: readonly string[], id: string): readonly string[] {
  const set = membersOf(list)
  if (set.has(id))
    return list
  const next = [...list, id]
  members.set(next, new Set(set).add(id))
  return next
}

/**
 * The next progress: `p`'s arrays are copied only when a node is added to them, and `p` itself comes back when nothing
 * changed (a frame repeating what the previous one said), so a caller can skip the update.
 */
class Step {
  nodes: readonly string[]
  done: readonly string[]
  /** The members of `nodes` and `done`, looked up once per step (a progress_state names every node of the prompt). */
  #nodeSet: ReadonlySet<string> | undefined
  #doneSet: ReadonlySet<string> | undefined
  constructor(readonly p: WorkflowProgress) {
    this.nodes = p.nodes
    this.done = p.done
  }

  add(id: string): void {
    if ((this.#nodeSet ??= membersOf(this.nodes)).has(id))
      return
    this.nodes = withMember(this.nodes, id)
    this.#nodeSet = membersOf(this.nodes)
  }

  finish(id: string): void {
    this.add(id)
    if ((this.#doneSet ??= membersOf(this.done)).has(id))
      return
    this.done = withMember(this.done, id)
    this.#doneSet = membersOf(this.done)
  }

  result(running: WorkflowProgress['running'], all = false): WorkflowProgress {
    const { p } = this
    if (all && this.done.length < this.nodes.length)
      this.done = [...this.nodes]
    const runningShare = running && !membersOf(this.done).has(running.node) ? running.fraction : 0
    const raw = all ? 1 : (this.done.length + runningShare) / Math.max(this.nodes.length, 1)
    const fraction = Math.max(p.fraction, Math.min(raw, 1))
    if (this.nodes === p.nodes && this.done === p.done && fraction === p.fraction && sameRunning(running, p.running))
      return p
    return { nodes: this.nodes, done: this.done, running, fraction }
  }
}

function sameRunning(a: WorkflowProgress['running'], b: WorkflowProgress['running']): boolean {
  return a === b || (a !== null && b !== null && a.node === b.node && a.fraction === b.fraction)
}

/**
 * Advances `p` by one message of its prompt (the caller filters by prompt id). Uses `progress_state` where the server
 * sends it (0.3.45+), and `executing`/`progress`/`executed`/`execution_cached` otherwise. Returns `p` itself when the
 * message changes nothing (other messages, or the same news again).
 */
export function advanceWorkflowProgress(p: WorkflowProgress, message: ComfyMessage): WorkflowProgress {
  const step = new Step(p)
  switch (message.type) {
    case 'execution_cached':
      for (const id of message.data.nodes) step.finish(id)
      return step.result(p.running)
    case 'executing': {
      const id = message.data.node
      if (id === null)
        return step.result(null, true)
      // Nodes run one at a time: `executing` of another node means the previous one finished. 0.3.45+ announces a
      // node in `progress_state` just before its `executing`, so the same node is no news.
      if (p.running?.node === id)
        return p
      if (p.running)
        step.finish(p.running.node)
      step.add(id)
      return step.result({ node: id, fraction: 0 })
    }
    case 'progress': {
      const id = message.data.node ?? p.running?.node
      if (!id)
        return p
      step.add(id)
      return step.result({ node: id, fraction: ratio(message.data.value, message.data.max) })
    }
    case 'executed':
      step.finish(message.data.node)
      return step.result(p.running?.node === message.data.node ? null : p.running)
    case 'progress_state': {
      let running: WorkflowProgress['running'] = null
      const states = message.data.nodes
      for (const id in states) {
        const n = states[id]
        if (!n)
          continue
        const nodeId = n.display_node_id ?? id
        if (n.state === 'finished')
          step.finish(nodeId)
        else
          step.add(nodeId)
        if (n.state === 'running')
          running = { node: nodeId, fraction: ratio(n.value, n.max) }
      }
      return step.result(running)
    }
    case 'execution_success':
      return step.result(null, true)
    default:
      return p
  }
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
