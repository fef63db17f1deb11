import type { ComfyClient } from '../client'
import type { ComfyProcessor } from './processor'

/**
 * BullMQ worker options that fit ComfyUI run times. A task runs for minutes, but its worker renews the job's lock
 * every `lockDuration / 2` while it lives, so the lock only has to outlast a pause of the worker's event loop. When a
 * worker dies, its jobs are found stalled within `lockDuration + stalledInterval` (here at most 90 s) and another worker
 * follows their prompts. A stall never sends a prompt twice, so a job may stall many times before BullMQ fails it.
 */
export const COMFY_WORKER_DEFAULTS = {
  lockDuration: 60_000,
  stalledInterval: 30_000,
  maxStalledCount: 10,
} as const satisfies { lockDuration: number, stalledInterval: number, maxStalledCount: number }

/** What {@link shutdownWorker} stops. */
export interface ShutdownOptions {
  /** The BullMQ worker (its `close()`). */
  worker: { close: (force?: boolean) => Promise<void> }
  processor: ComfyProcessor
  client: ComfyClient
  /**
   * How long the active jobs may take to finish, in ms; after that they are handed back to the queue (another worker
   * follows their prompts). Keep it under your platform's kill grace period (Kubernetes: 30 s).
   * @default 20000
   */
  graceMs?: number
}

/**
 * A graceful shutdown (call it on SIGTERM): the worker takes no new job, its active jobs finish or, after `graceMs`,
 * are handed back without a second prompt; then the client is disposed. Resolves when all is closed.
 */
export async function shutdownWorker(options: ShutdownOptions): Promise<void> {
  const closing = options.worker.close()
  let timer: ReturnType<typeof setTimeout> | undefined
  const finished = await Promise.race([
    closing.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, options.graceMs ?? 20_000, false)
    }),
  ])
  clearTimeout(timer)
  if (!finished) {
    options.processor.handBack()
    await closing
  }
  options.client.dispose()
}
