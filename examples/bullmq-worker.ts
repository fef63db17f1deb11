// bullmq-worker.ts: one worker of a fleet. It takes jobs `{ workflow }` (API format) from a BullMQ queue and runs each
// as one ComfyUI task, placed fleet-wide (at most COMFY_MAX_PER_SERVER tasks per server across every worker). A job
// whose worker died is followed by another worker on its server, never sent twice. On SIGTERM it takes no new job,
// lets its active ones finish (or hands them back after COMFY_GRACE_MS), and exits.
//
// Run: REDIS_URL=redis://127.0.0.1:6379 COMFY_SERVERS=http://gpu-1:8188,http://gpu-2:8188 npx tsx examples/bullmq-worker.ts
// Producer: await new Queue('comfy', { connection }).add('render', { workflow }, { attempts: 3 })
import type { ComfyJobData, ComfyJobResult } from 'comfy-tether/bullmq'
import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import WebSocket from 'ws'
import { COMFY_WORKER_DEFAULTS, createComfyProcessor, shutdownWorker } from 'comfy-tether/bullmq'
import { createComfyClient } from 'comfy-tether/client'

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback
  if (value === undefined)
    throw new Error(`${name} is not set (see the top of examples/bullmq-worker.ts)`)
  return value
}
const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback)

const redisUrl = env('REDIS_URL')
const servers = env('COMFY_SERVERS').split(',').map(s => s.trim()).filter(Boolean)
const queue = env('COMFY_QUEUE', 'comfy')
// Tuning, mostly for tests: defaults fit ComfyUI run times.
const lockDuration = num('COMFY_LOCK_MS', COMFY_WORKER_DEFAULTS.lockDuration)
const stalledInterval = num('COMFY_STALLED_MS', COMFY_WORKER_DEFAULTS.stalledInterval)
const reconcileMs = num('COMFY_RECONCILE_MS', 5000)

const client = createComfyClient({
  servers,
  WebSocket, // Node 20 has no global WebSocket: the `ws` package's
  affinity: 'task', // each task on its own server; placement across the fleet is the processor's
  reconcile: { interval: reconcileMs, lostGrace: reconcileMs * 2 },
  logger: false,
})
// BullMQ wants `maxRetriesPerRequest: null`: a command waits for Redis to come back instead of failing.
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null })
const processor = createComfyProcessor({
  client,
  redis,
  maxTasksPerServer: num('COMFY_MAX_PER_SERVER', 2),
  leaseMs: num('COMFY_LEASE_MS', 30_000),
})
const worker = new Worker<ComfyJobData, ComfyJobResult>(queue, processor, {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  concurrency: num('COMFY_CONCURRENCY', 4),
  ...COMFY_WORKER_DEFAULTS,
  lockDuration,
  stalledInterval,
})
worker.on('error', error => console.error(`worker error: ${error.message}`)) // Redis away: BullMQ reconnects by itself
worker.on('failed', (job, error) => console.log(`job ${job?.id} failed: ${error.message}`))
await worker.waitUntilReady()
console.log(`worker ${process.pid} ready: queue "${queue}", ${servers.length} server(s)`)

process.once('SIGTERM', () => {
  void shutdownWorker({ worker, processor, client, graceMs: num('COMFY_GRACE_MS', 20_000) }).then(async () => {
    await redis.quit().catch(() => {})
    console.log(`worker ${process.pid} stopped`)
    process.exit(0)
  })
})
