import { readFileSync } from 'node:fs'
import type { ComfyWorkflow } from '../../src/core/validate-input'
import type { NodeClassInfo, ObjectInfo } from '../../src/core/object-info'

/** The real `GET /object_info` of ComfyUI 0.33.0 (CPU, no models installed). */
export function realObjectInfo(): Record<string, NodeClassInfo> {
  return JSON.parse(readFileSync(new URL('../fixtures/comfyui/object-info/v0.33.0-783545f-cpu.json', import.meta.url), 'utf8')) as Record<string, NodeClassInfo>
}

/** The real object_info as a server with these checkpoints installed would answer it. */
export function withCheckpoints(info: ObjectInfo, names: string[]): Record<string, NodeClassInfo> {
  const copy = structuredClone(info) as Record<string, NodeClassInfo>
  const spec = copy.CheckpointLoaderSimple!.input.required!.ckpt_name!
  ;(copy.CheckpointLoaderSimple!.input.required as Record<string, unknown>).ckpt_name = [names, spec[1]]
  return copy
}

/** ComfyUI's default SD 1.5 text-to-image workflow in API format. */
export function sd15Workflow(): ComfyWorkflow {
  return JSON.parse(readFileSync(new URL('../fixtures/workflow-pairs/sd15-default/api.json', import.meta.url), 'utf8')) as ComfyWorkflow
}
