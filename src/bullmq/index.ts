// comfy-tether/bullmq: a BullMQ processor for fleets of workers; each job is one ComfyUI task that outlives its worker.
export { COMFY_WORKER_DEFAULTS, shutdownWorker } from './shutdown'
export type { ShutdownOptions } from './shutdown'
export { createComfyProcessor, workflowDigest } from './processor'
export type { ComfyProcessor } from './processor'
export { createSlotLeases } from './slot-leases'
export type { FleetRedis, SlotLeases } from './slot-leases'
export type { ComfyJob, ComfyJobData, ComfyJobRecord, ComfyJobResult, ComfyProcessorOptions } from './types'
