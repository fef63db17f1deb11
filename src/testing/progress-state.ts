import type { PyFloat } from './py-json'
import { pyFloat } from './py-json'

interface NodeProgress {
  value: number | PyFloat
  max: number | PyFloat
  state: 'running' | 'finished'
}

/**
 * 0.33.0's `progress_state` registry for one prompt: nodes appear when they start (0.0 of 1.0, floats), take the
 * node's own ints with every progress, and end `finished` at their max. A cached node finishes as `1 of 1` (ints).
 */
export class ProgressState {
  readonly #nodes = new Map<string, NodeProgress>()

  constructor(readonly promptId: string) {}

  start(nodeId: string): void {
    this.#nodes.set(nodeId, { value: pyFloat(0), max: pyFloat(1), state: 'running' })
  }

  update(nodeId: string, value: number, max: number): void {
    this.#nodes.set(nodeId, { value, max, state: 'running' })
  }

  finish(nodeId: string): void {
    const known = this.#nodes.get(nodeId)
    this.#nodes.set(nodeId, known ? { value: known.max, max: known.max, state: 'finished' } : { value: 1, max: 1, state: 'finished' })
  }

  /** The `data` of a `progress_state` message. */
  message(): Record<string, unknown> {
    const nodes: Record<string, unknown> = {}
    for (const [id, p] of this.#nodes) {
      nodes[id] = {
        value: p.value,
        max: p.max,
        state: p.state,
        node_id: id,
        prompt_id: this.promptId,
        display_node_id: id,
        parent_node_id: null,
        real_node_id: id,
      }
    }
    return { prompt_id: this.promptId, nodes }
  }
}
