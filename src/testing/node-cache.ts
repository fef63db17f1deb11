import type { FileStore } from './files'
import type { Prompt } from './validation'
import { createHash } from 'node:crypto'
import { NODE_DEFS } from './nodes'
import { pyJson } from './py-json'

/**
 * Input signatures of every node of a prompt, as ComfyUI's `CacheKeySetInputSignature` builds them: class, IS_CHANGED,
 * the node id for nodes with a hidden UNIQUE_ID, constant inputs and the signatures of linked ancestors.
 */
export function signatures(prompt: Prompt, files: FileStore): Map<string, string> {
  const out = new Map<string, string>()
  const visiting = new Set<string>()
  const sign = (id: string): string => {
    const known = out.get(id)
    if (known !== undefined)
      return known
    const node = prompt[id]
    if (!node || visiting.has(id))
      return `missing:${id}:${Math.random()}`
    visiting.add(id)
    const def = NODE_DEFS.get(String(node.class_type))
    const inputs = node.inputs ?? {}
    const parts: unknown[] = [String(node.class_type), def?.isChanged?.(inputs, files) ?? '']
    if (def && Object.values(def.inputs(files).hidden ?? {}).includes('UNIQUE_ID'))
      parts.push(id)
    for (const key of Object.keys(inputs).sort()) {
      const value = inputs[key]
      parts.push(Array.isArray(value) && value.length === 2 && typeof value[0] === 'string'
        ? [key, 'ANCESTOR', sign(value[0]), value[1]]
        : [key, value])
    }
    visiting.delete(id)
    const signature = createHash('sha1').update(pyJson(parts)).digest('hex')
    out.set(id, signature)
    return signature
  }
  for (const id of Object.keys(prompt))
    sign(id)
  return out
}
