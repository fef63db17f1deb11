import type { ComfyClient, ComfyClientTaskHandle, ComfyTaskRecord, ComfyWorkflow } from '../client'
import type { ComfyJob, ComfyJobRecord, ComfyJobResult, ComfyProcessorOptions } from './types'
import { createHash } from 'node:crypto'
import { DelayedError, UnrecoverableError } from 'bullmq'
import { InvalidArgumentError, isComfyTetherError } from '../core/errors'
import { normalizeOutputs } from '../core/outputs'
import { placeInFleet } from './place'
import { createSlotLeases } from './slot-leases'

/** Failures another attempt can cure: the task ended with its server, or the server could not be reached. */
const RETRYABLE = new Set(['TASK_LOST', 'SERVER_UNREACHABLE', 'NO_SERVER_AVAILABLE'])

/** The processor {@link createComfyProcessor} returns: BullMQ's processor function, and the hand-back of shutdown. */
export interface ComfyProcessor {
  (job: ComfyJob, token?: string): Promise<ComfyJobResult>
  /**
   * Hands every active job back to the queue without a second prompt: each is moved back to wait, and the worker
   * that takes it next follows its prompt on its server. For a shutdown that cannot wait for the tasks to finish.
   */
  handBack: () => void
  /** Jobs this processor is running now. */
  readonly active: number
}

/** SHA-256 of a workflow: a record is only followed for the workflow it was made for. */
export function workflowDigest(workflow: ComfyWorkflow): string {
  return createHash('sha256').update(JSON.stringify(workflow)).digest('hex')
}

/**
 * Creates a BullMQ processor: one job = one ComfyUI task. Before `POST /prompt` the task's record goes into the job's
 * data, so a job that stalls because its worker died is picked up by another worker and followed on its server, never
 * sent twice. Servers are placed fleet-wide (at most `maxTasksPerServer` tasks per server across every worker, the
 * shortest queue first, only servers that can run the workflow). Progress goes to `job.updateProgress` (0–100, the
 * whole workflow); the return value is plain JSON. A task lost with its server fails the job with `TASK_LOST`, so the
 * job's `attempts` retry it as a new prompt; a workflow the servers refuse fails it for good (`UnrecoverableError`).
 *
 * @example
 * const processor = createComfyProcessor({ client, redis: new Redis(url, { maxRetriesPerRequest: null }) })
 * const worker = new Worker('comfy', processor, { connection, concurrency: 4, ...COMFY_WORKER_DEFAULTS })
 */
export function createComfyProcessor(options: ComfyProcessorOptions): ComfyProcessor {
  const { client } = options
  const cap = options.maxTasksPerServer ?? 2
  if (!(cap >= 1))
    throw new InvalidArgumentError('INVALID_OPTIONS', `[comfy-tether] createComfyProcessor: maxTasksPerServer must be a number >= 1 (or Infinity), got ${String(cap)}.`)
  if (client.affinity !== 'task')
    throw new InvalidArgumentError('INVALID_OPTIONS', `[comfy-tether] createComfyProcessor needs a client created with affinity: 'task' (each task on its own server).`)
  const leaseMs = options.leaseMs ?? 30_000
  const leases = createSlotLeases(options.redis, { prefix: options.prefix ?? 'comfy-tether', cap, ttl: leaseMs })
  const handBacks = new Set<() => void>()
  let handingBack = false

  async function processJob(job: ComfyJob, token?: string): Promise<ComfyJobResult> {
    const { workflow } = job.data ?? {}
    if (typeof workflow !== 'object' || workflow === null || Array.isArray(workflow))
      throw new UnrecoverableError(`[comfy-tether] job ${job.id} has no workflow: its data must be { workflow } with the workflow in API format.`)
    const jobId = String(job.id)
    const digest = workflowDigest(workflow)
    const record = job.data.tether
    const follows = !!record && record.v === 1 && record.attempt === job.attemptsMade && record.digest === digest
    let server: string | undefined
    const renew = setInterval(() => {
      if (server)
        void leases.hold(server, jobId).catch(() => {}) // Redis away: the next renewal tries again
    }, Math.max(1000, Math.floor(leaseMs / 3)))
    try {
      let handle: ComfyClientTaskHandle
      if (follows) {
        server = record.server
        await leases.hold(server, jobId) // its task is on that server whatever the count says
        handle = await client.resume({ server, promptId: record.promptId, clientId: record.clientId, ...(record.state === 'sending' ? { workflow } : { prompt: workflow }) })
      }
      else {
        server = await placeInFleet({ client, leases, workflow, jobId, pollMs: options.slotPollMs ?? 500, stopped: () => handingBack })
        let written: ComfyJobRecord | undefined
        const onBeforeSend = async (r: ComfyTaskRecord): Promise<void> => {
          written = { v: 1, ...r, attempt: job.attemptsMade, digest, state: 'sending' }
          await job.updateData({ ...job.data, tether: written })
        }
        handle = await client.submit(workflow, { server, onBeforeSend })
        confirmWhenQueued(client, job, handle, () => written)
      }
      const result = await untilHandedBack(followProgress(job, handle))
      if (result === HANDED_BACK) {
        await job.moveToDelayed(Date.now(), token)
        throw new DelayedError()
      }
      const normalized = normalizeOutputs(result.outputs as Parameters<typeof normalizeOutputs>[0], result.server)
      const saved = options.saveOutputs ? await options.saveOutputs(result, job) : undefined
      return { server: result.server, promptId: result.promptId, files: normalized.files, texts: normalized.text, outputs: result.outputs, resumed: follows, ...(saved !== undefined ? { saved } : {}) }
    }
    catch (error) {
      if (error instanceof DelayedError || !isComfyTetherError(error))
        throw error
      // The job's failedReason starts with the stable code, e.g. "TASK_LOST: …" (BullMQ keeps only the message).
      const reason = `${error.code}: ${error.message}`
      if (RETRYABLE.has(error.code))
        throw Object.assign(new Error(reason, { cause: error }), { name: error.name })
      throw new UnrecoverableError(reason)
    }
    finally {
      clearInterval(renew)
      // A handed-back job keeps its slot: its task is still on the server, and the next worker renews it.
      if (server && !handingBack)
        await leases.release(server, jobId).catch(() => {}) // unreleased, it expires after leaseMs
    }
  }

  const HANDED_BACK = Symbol('handed back')
  function untilHandedBack<T>(work: Promise<T>): Promise<T | typeof HANDED_BACK> {
    if (handingBack)
      return Promise.resolve(HANDED_BACK)
    return new Promise((resolve, reject) => {
      const back = (): void => resolve(HANDED_BACK)
      handBacks.add(back)
      work.then(resolve, reject).finally(() => handBacks.delete(back))
    })
  }

  let active = 0
  const processor = (async (job: ComfyJob, token?: string) => {
    active++
    try {
      return await processJob(job, token)
    }
    finally {
      active--
    }
  }) as ComfyProcessor
  processor.handBack = () => {
    handingBack = true
    for (const back of [...handBacks]) back()
  }
  Object.defineProperty(processor, 'active', { get: () => active })
  return processor
}

/** Once the server took the prompt, the record says so: a follower then treats its absence as a lost task. */
function confirmWhenQueued(client: ComfyClient, job: ComfyJob, handle: ComfyClientTaskHandle, written: () => ComfyJobRecord | undefined): void {
  const check = (): void => {
    const task = handle.task
    const record = written()
    if (!task || (task.state !== 'preparing' && task.state !== 'queued' && task.state !== 'running')) {
      off()
    }
    else if (record && task.state !== 'preparing' && !task.unconfirmed) {
      off()
      void job.updateData({ ...job.data, tether: { ...record, state: 'queued' } }).catch(() => {})
    }
  }
  const off = client.observe(handle.promptId, () => check())
  check()
}

/** Waits for the task's result, passing the whole workflow's progress (0–100) to the job as it moves. */
async function followProgress(job: ComfyJob, handle: ComfyClientTaskHandle): Promise<Awaited<ComfyClientTaskHandle['result']>> {
  let sent = -1
  const timer = setInterval(() => {
    const progress = Math.floor((handle.workflow?.progress ?? 0) * 100)
    if (progress > sent) {
      sent = progress
      void job.updateProgress(progress).catch(() => {})
    }
  }, 250)
  try {
    const result = await handle.result
    await job.updateProgress(100).catch(() => {})
    return result
  }
  finally {
    clearInterval(timer)
  }
}
