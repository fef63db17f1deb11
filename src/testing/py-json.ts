/**
 * JSON as Python's `json.dumps` writes it (what aiohttp's `json_response` and `send_json` put on the wire):
 * `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`, and floats that stay floats (`1.0`, not `1`).
 * Byte lengths therefore match the recorded `content_length`s.
 */

/** A number that Python holds as a float: serialized with a decimal point even when integral. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Mark `value` as a Python float for {@link pyJson}. */
export function pyFloat(value: number): PyFloat {
  return new PyFloat(value)
}

/** The numeric value of a number or {@link PyFloat}. */
export function numberOf(value: unknown): number {
  return value instanceof PyFloat ? value.value : Number(value)
}

const NON_ASCII = /[\u007f-\uffff]/g

function str(value: string): string {
  return JSON.stringify(value).replace(NON_ASCII, ch => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function num(value: number, float: boolean): string {
  if (Number.isNaN(value))
    return 'NaN'
  if (!Number.isFinite(value))
    return value > 0 ? 'Infinity' : '-Infinity'
  const text = String(value)
  return float && Number.isInteger(value) && !text.includes('e') ? `${text}.0` : text
}

/** Serialize like Python's `json.dumps(value)` with default options. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined)
    return 'null'
  if (value instanceof PyFloat)
    return num(value.value, true)
  switch (typeof value) {
    case 'string': return str(value)
    case 'number': return num(value, false)
    case 'boolean': return value ? 'true' : 'false'
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map(v => pyJson(v)).join(', ')}]`
      const parts: string[] = []
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined)
          parts.push(`${str(k)}: ${pyJson(v)}`)
      }
      return `{${parts.join(', ')}}`
    }
    default: return 'null'
  }
}

/** Replace {@link PyFloat}s by plain numbers (for values handed to JavaScript callers). */
export function plain<T>(value: T): T {
  return JSON.parse(pyJson(value)) as T
}

/**
 * Python's `str()` of a value as ComfyUI's `format_value` would print it in `current_inputs`
 * (dicts and lists in Python's repr style).
 */
export function pyRepr(value: unknown, top = true): string {
  if (value === null || value === undefined)
    return 'None'
  if (value instanceof PyFloat)
    return num(value.value, true)
  switch (typeof value) {
    case 'string': return top ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, '\\\'')}'`
    case 'number': return num(value, false)
    case 'boolean': return value ? 'True' : 'False'
    case 'object':
      if (Array.isArray(value))
        return `[${value.map(v => pyRepr(v, false)).join(', ')}]`
      return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `'${k}': ${pyRepr(v, false)}`).join(', ')}}`
    default: return String(value)
  }
}
