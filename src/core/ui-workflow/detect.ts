import type { UiWorkflow } from './types'

/** Is `value` a plain object (not an array, not null)? */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Is `value` a UI-format workflow (a `nodes` list) rather than an API-format prompt? Shape only; conversion checks the rest. */
export function isUiWorkflow(value: unknown): value is UiWorkflow {
  return isRecord(value) && Array.isArray(value.nodes) && (Array.isArray(value.links) || typeof value.version === 'number')
}
