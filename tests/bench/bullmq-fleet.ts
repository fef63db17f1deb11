// A fleet of BullMQ workers: 3 worker processes (examples/bullmq-worker.ts, concurrency 4) over 8 simulators, real
// redis-server. Reports jobs per second, the makespan against the ideal (each ComfyUI server runs one prompt at a
// time, so ⌈jobs ÷ servers⌉ × the task's run time), and the Redis commands per job (INFO commandstats before/after,
// every client of the fleet counted: the queue, the workers' fetch and lock renewals, the slot leases).
import type { ChildProcess } from 'node:child_process'
import type { BenchResult } from './stats'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startSimulators } from 'comfy-tether/testing'
import { startRedis } from '../fleet/redis-server'
import { now } from './stats'
import { sleep } from '../helpers/wait'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const WORKERS = 3
const SERVERS = 8
const JOBS = 240
const TASK_MS = 100

async function commandCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats')
  return [...info.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
}

function startWorker(url: string, servers: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/bullmq-worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: url, COMFY_SERVERS: servers.join(','), COMFY_QUEUE: 'bench', COMFY_CONCURRENCY: '4', COMFY_MAX_PER_SERVER: '2', COMFY_RECONCILE_MS: '1000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve(child))
    child.once('exit', code => reject(new Error(`bench worker exited with ${code}`)))
  })
}

export async function benchBullmqFleet(): Promise<BenchResult[]> {
  const redis = await startRedis()
  const sims = await startSimulators(SERVERS, { speed: 1 })
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null })
  const queue = new Queue('bench', { connection })
  const workers: ChildProcess[] = []
  try {
    workers.push(...await Promise.all(Array.from({ length: WORKERS }, () => startWorker(redis.url, sims.urls))))
    const before = await commandCalls(connection)
    const start = now()
    await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({
      name: 'bench',
      data: { workflow: {
        1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: i } },
        2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 2, seconds: TASK_MS / 1000, preview: false, progress_text: false } },
        3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'bench' } },
      } },
    })))
    for (;;) {
      const counts = await queue.getJobCounts('completed', 'failed')
      if ((counts.completed ?? 0) + (counts.failed ?? 0) >= JOBS)
        break
      await sleep(20)
    }
    const makespanMs = now() - start
    const calls = await commandCalls(connection) - before
    const failed = (await queue.getJobCounts('failed')).failed ?? 0
    const idealMs = Math.ceil(JOBS / SERVERS) * TASK_MS
    const details = { jobs: JOBS, workers: WORKERS, servers: SERVERS, taskMs: TASK_MS, makespanMs, idealMs, redisCalls: calls, failed }
    return [
      { id: 'bullmq-throughput', name: 'bullmq fleet: jobs per second', measured: `${(JOBS / makespanMs * 1000).toFixed(1)} jobs/s`, baseline: `${(JOBS / idealMs * 1000).toFixed(1)} jobs/s (ideal)`, ratio: Math.round(idealMs / makespanMs * 1000) / 1000, target: null, verdict: failed > 0 ? 'error' : 'info', details },
      { id: 'bullmq-makespan', name: 'bullmq fleet: makespan ÷ the ideal', measured: `${(makespanMs / 1000).toFixed(2)} s`, baseline: `${(idealMs / 1000).toFixed(2)} s (ideal)`, ratio: Math.round(makespanMs / idealMs * 1000) / 1000, target: null, verdict: 'info', details },
      { id: 'bullmq-redis', name: 'bullmq fleet: Redis commands per job', measured: `${(calls / JOBS).toFixed(1)} commands/job`, baseline: '—', ratio: null, value: calls / JOBS, target: null, verdict: 'info', details },
    ]
  }
  finally {
    for (const worker of workers) worker.kill('SIGKILL')
    await queue.close()
    connection.disconnect()
    await sims.close()
    await redis.close()
  }
}
