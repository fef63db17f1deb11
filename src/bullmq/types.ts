import type { ComfyClient, ComfyTaskResult, ComfyWorkflow } from '../client'
import type { OutputFile, OutputValue } from '../core/outputs'
import type { FleetRedis } from './slot-leases'

/** The data of a job the processor runs: one workflow, one task. */
export interface ComfyJobData {
  /** The workflow in API format. */
  workflow: ComfyWorkflow
  /** The tether record, written by the processor before `POST /prompt`. Do not set it yourself. */
  tether?: ComfyJobRecord
}

/** Where a job's prompt went, kept in the job's data so that another worker follows it instead of sending it again. */
export interface ComfyJobRecord {
  v: 1
  server: string
  promptId: string
  clientId: string
  /** `job.attemptsMade` when it was written: a retry after a failure (e.g. `TASK_LOST`) sends a new prompt. */
  attempt: number
  /** SHA-256 of the workflow it was made for. */
  digest: string
  /** `'sending'`: `POST /prompt` may or may not have reached the server; `'queued'`: the server took it. */
  state: 'sending' | 'queued'
}

/** What a job returns: plain JSON, `/view` URLs without credentials. */
export interface ComfyJobResult {
  server: string
  promptId: string
  /** Every output file with its `/view` URL on the task's server (credentials left out: add them when you fetch). */
  files: OutputFile[]
  /** Strings the output nodes showed. */
  texts: OutputValue[]
  /** The raw outputs by node id, as `/history` has them. */
  outputs: Record<string, Record<string, unknown>>
  /** Whether another worker's prompt was followed (`true`) or this worker sent it. */
  resumed: boolean
  /** What `saveOutputs` returned, if it returned anything. */
  saved?: unknown
}

/** The part of a BullMQ job the processor uses (BullMQ's `Job` fits). */
export interface ComfyJob {
  id?: string
  data: ComfyJobData
  attemptsMade: number
  updateData: (data: ComfyJobData) => Promise<void>
  updateProgress: (progress: number) => Promise<void>
  moveToDelayed: (timestamp: number, token?: string) => Promise<void>
}

/** Options of {@link createComfyProcessor}. */
export interface ComfyProcessorOptions {
  /** The worker's client, created with `affinity: 'task'` over every server of the fleet. */
  client: ComfyClient
  /** A Redis connection for the fleet's server slots (`maxRetriesPerRequest: null`, as BullMQ wants). */
  redis: FleetRedis
  /**
   * How many tasks of the whole fleet may be on one server at once, across every worker and its concurrency.
   * @default 2
   */
  maxTasksPerServer?: number
  /** Prefix of the slot keys in Redis. Workers of one fleet must share it. @default 'comfy-tether' */
  prefix?: string
  /**
   * How long a slot lease lasts without renewal, in ms (it is renewed every third of it while the task runs). A dead
   * worker's slot frees itself after at most this long.
   * @default 30000
   */
  leaseMs?: number
  /** How often to look again for a free slot while every capable server is full, in ms. @default 500 */
  slotPollMs?: number
  /**
   * Called with a task's result before its job completes, e.g. to copy the output files off the ComfyUI server
   * (they live only there). What it returns (JSON) is put in the job's return value as `saved`. If it throws, the job
   * fails (and its `attempts` retry it as a new prompt).
   */
  saveOutputs?: (result: ComfyTaskResult, job: ComfyJob) => unknown
}
