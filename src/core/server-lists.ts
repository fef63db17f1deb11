import type { ParseResult } from './protocol'

/**
 * A JSON list of names: `GET /models` (model folders), `GET /models/{folder}` (files of a folder), `GET /embeddings`.
 * Entries given as `{ name }` objects (as some newer routes answer) are reduced to their names.
 */
export function parseNameList(json: unknown, what: string): ParseResult<string[]> {
  if (!Array.isArray(json))
    return { ok: false, reason: `${what} is not a JSON array` }
  const names: string[] = []
  for (const [i, entry] of json.entries()) {
    const name = typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined
    if (typeof name !== 'string')
      return { ok: false, reason: `${what}[${i}] is not a name` }
    names.push(name)
  }
  return { ok: true, value: names }
}
