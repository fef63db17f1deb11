import type { ComfyWorkflow } from './validate-input'

/** The `workflow` of a template made from a UI graph: it has none until converted with a server's `/object_info`. */
export const EMPTY: Readonly<ComfyWorkflow> = Object.freeze({})
