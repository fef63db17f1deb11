// Python's conversions of a prompt's literal values as ComfyUI's validate_inputs applies them (int(), float(), bool()),
// with the exceptions and messages Python gives.
import { numberOf, PyFloat, pyRepr } from './py-json'

/** A Python exception raised while validating (`KeyError`, `IndexError`, …). */
export class ValidationException extends Error {
  constructor(readonly pyType: string, message: string) {
    super(message)
  }
}

export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined)
    return 'NoneType'
  if (value instanceof PyFloat)
    return 'float'
  switch (typeof value) {
    case 'string': return 'str'
    case 'boolean': return 'bool'
    case 'number': return Number.isInteger(value) ? 'int' : 'float'
    default: return Array.isArray(value) ? 'list' : 'dict'
  }
}

/** Python's `int(value)`. */
export function toInt(value: unknown): number {
  if (typeof value === 'boolean')
    return value ? 1 : 0
  if (typeof value === 'number' || value instanceof PyFloat) {
    const n = numberOf(value)
    if (!Number.isFinite(n))
      throw new ValidationException('ValueError', `cannot convert float ${n} to integer`)
    return Math.trunc(n)
  }
  if (typeof value === 'string') {
    if (/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(value))
      return Number.parseInt(value.replaceAll('_', '').trim(), 10)
    throw new ValidationException('ValueError', `invalid literal for int() with base 10: ${pyRepr(value, false)}`)
  }
  throw new ValidationException('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`)
}

/** Python's `float(value)`. */
export function toFloat(value: unknown): number {
  if (typeof value === 'boolean')
    return value ? 1 : 0
  if (typeof value === 'number' || value instanceof PyFloat)
    return numberOf(value)
  if (typeof value === 'string') {
    const s = value.trim()
    if (/^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:e[+-]?\d+)?$/i.test(s))
      return Number(s.replaceAll('_', ''))
    if (/^[+-]?(?:inf|infinity)$/i.test(s))
      return s.startsWith('-') ? -Infinity : Infinity
    if (/^[+-]?nan$/i.test(s))
      return Number.NaN
    throw new ValidationException('ValueError', `could not convert string to float: ${pyRepr(value, false)}`)
  }
  throw new ValidationException('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(value)}'`)
}

/** Python's `bool(value)`. */
export function toBool(value: unknown): boolean {
  if (value === null || value === undefined)
    return false
  if (typeof value === 'boolean')
    return value
  if (typeof value === 'string')
    return value.length > 0
  if (typeof value === 'number' || value instanceof PyFloat)
    return numberOf(value) !== 0
  return Object.keys(value).length > 0
}
