import type { ComfyWorkflow, UiWorkflow, WorkflowTemplate } from 'comfy-tether'
import { shallowRef } from 'vue'

/** The workflow the form would submit now (for the servers panel's "can it run here?"); `null` when the text is not JSON. */
export const currentWorkflow = shallowRef<ComfyWorkflow | UiWorkflow | WorkflowTemplate | null>(null)
