// In its own module: the progress of every task needs these, the (lazily loaded) validation the rest of its neighbours.
import type { ComfyWorkflow } from './validate-input'

/** Is `value` a link (`["nodeId", slot]`) rather than a literal? */
export function isLink(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && Number.isInteger(value[1])
}

/** `roots` and every node they depend on through links (a link to a missing node ends there). */
export function dependenciesOf(workflow: ComfyWorkflow, roots: readonly string[]): Set<string> {
  const seen = new Set<string>()
  const stack = [...roots]
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    const node = workflow[id]
    if (seen.has(id) || !node)
      continue
    seen.add(id)
    for (const value of Object.values(node.inputs ?? {})) {
      if (isLink(value))
        stack.push(String(value[0]))
    }
  }
  return seen
}
