import type { ObjectInfo } from '../core/object-info'
import type { ComfyWorkflow } from '../core/validate-input'
import type { FilledWorkflow, ParamBinding, WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import { WorkflowParamsError } from '../core/workflow-errors'
import { fillWorkflow } from '../core/workflow-fill'
import { seedRangeFrom } from './workflow-prepare'

/**
 * One server's workflow of a template made from a UI graph: its bindings checked against the prompt converted with that
 * server's `/object_info` (`INVALID_WORKFLOW_PARAMS` naming the server when a node lacks the input), then filled, seeds
 * drawn within that server's ranges.
 */
export function fillUiTemplate(template: WorkflowTemplate, values: WorkflowValues<string>, prompt: ComfyWorkflow, info: ObjectInfo, server: string): { prompt: ComfyWorkflow, filled: FilledWorkflow } {
  const problems: ConstructorParameters<typeof WorkflowParamsError>[0][number][] = []
  const check = (param: string, { nodeId, input }: ParamBinding): void => {
    const node = prompt[nodeId]
    if (!node)
      problems.push({ param, problem: 'unknown', detail: `targets node ${nodeId}, which the UI-format workflow converted for "${server}" does not have (muted, a note, a reroute or a primitive)` })
    else if (!(input in node.inputs))
      problems.push({ param, problem: 'unknown', detail: `targets input "${input}" of node ${nodeId} (${node.class_type}), which has ${Object.keys(node.inputs).join(', ') || 'no inputs'} once converted for "${server}"` })
  }
  for (const [param, binding] of Object.entries(template.params) as [string, ParamBinding][]) check(param, binding)
  for (const binding of template.randomize) check(`randomize ${binding.nodeId}.${binding.input}`, binding)
  if (problems.length > 0)
    throw new WorkflowParamsError(problems)
  const filled = fillWorkflow({ ...template, workflow: prompt }, values, { seedRange: seedRangeFrom(prompt, [info]) })
  return { prompt: filled.workflow, filled }
}
