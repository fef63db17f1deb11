import type { Prompt } from './validation'
import { NODE_DEFS } from './nodes'

function links(prompt: Prompt, id: string): [string, number][] {
  const out: [string, number][] = []
  for (const value of Object.values(prompt[id]?.inputs ?? {})) {
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string')
      out.push([value[0], Number(value[1])])
  }
  return out
}

/**
 * ComfyUI's `ExecutionList`: stages the nodes the outputs need (cached nodes cut the graph), then hands them out one
 * at a time, preferring output nodes and their direct feeders (`ux_friendly_pick_node`).
 */
export class ExecutionList {
  readonly #pending = new Map<string, true>()
  readonly #blockCount = new Map<string, number>()
  readonly #blocking = new Map<string, Set<string>>()

  constructor(readonly prompt: Prompt, readonly isCached: (id: string) => boolean) {}

  add(start: string): void {
    const stack = [start]
    const found: [string, string][] = []
    while (stack.length > 0) {
      const id = stack.pop() as string
      if (this.#pending.has(id))
        continue
      this.#pending.set(id, true)
      this.#blockCount.set(id, 0)
      this.#blocking.set(id, new Set())
      for (const [from] of links(this.prompt, id)) {
        if (!this.isCached(from))
          stack.push(from)
        found.push([from, id])
      }
    }
    for (const [from, to] of found) {
      if (this.isCached(from))
        continue
      this.add(from)
      const blocked = this.#blocking.get(from) as Set<string>
      if (!blocked.has(to)) {
        blocked.add(to)
        this.#blockCount.set(to, (this.#blockCount.get(to) ?? 0) + 1)
      }
    }
  }

  get isEmpty(): boolean {
    return this.#pending.size === 0
  }

  /** The next node to run, or null when what is left waits on itself (a cycle). */
  next(): string | null {
    const ready = [...this.#pending.keys()].filter(id => this.#blockCount.get(id) === 0)
    if (ready.length === 0)
      return null
    const isOutput = (id: string): boolean => NODE_DEFS.get(String(this.prompt[id]?.class_type))?.outputNode === true
    const blocked = (id: string): string[] => [...(this.#blocking.get(id) ?? [])]
    return ready.find(isOutput)
      ?? ready.find(id => blocked(id).some(isOutput))
      ?? ready.find(id => blocked(id).some(b => blocked(b).some(isOutput)))
      ?? ready[0] as string
  }

  complete(id: string): void {
    this.#pending.delete(id)
    for (const to of this.#blocking.get(id) ?? [])
      this.#blockCount.set(to, (this.#blockCount.get(to) ?? 1) - 1)
    this.#blocking.delete(id)
  }
}
