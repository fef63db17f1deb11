// A fleet of BullMQ workers over ComfyUI servers, all real: redis-server, BullMQ, worker child processes running
// examples/bullmq-worker.ts, simulators over loopback. Workers die (SIGKILL), a server restarts, Redis goes away:
// every job completes, no prompt is sent twice or reaches two servers, and the per-server cap holds fleet-wide.
import type { ChildProcess } from 'node:child_process'
import type { ComfyJobData, ComfyJobResult } from 'comfy-tether/bullmq'
import type { ComfyWorkflow } from 'comfy-tether/client'
import type { ComfySimulator } from 'comfy-tether/testing'
import type { TestRedis } from './redis-server'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startSimulators } from 'comfy-tether/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { startRedis } from './redis-server'
import { sleep } from '../helpers/wait'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CAP = 2
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A small task: an image through a sampler-like node (about `ms` of work on the simulator), saved. */
function workflow(i: number, ms: number): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: i } },
    2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 2, seconds: ms / 1000, preview: false, progress_text: false } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: `job-${i}` } },
  }
}

interface WorkerProcess { child: ChildProcess, output: () => string, exited: Promise<number | null> }

/** examples/bullmq-worker.ts as a child process, with short lock and stalled intervals so a dead worker's jobs move soon. */
async function startWorker(redis: TestRedis, servers: string[], queue: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/bullmq-worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redis.url, COMFY_SERVERS: servers.join(','), COMFY_QUEUE: queue, COMFY_CONCURRENCY: '4', COMFY_MAX_PER_SERVER: String(CAP), COMFY_LOCK_MS: '2000', COMFY_STALLED_MS: '1000', COMFY_LEASE_MS: '8000', COMFY_RECONCILE_MS: '200', COMFY_GRACE_MS: '5000', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => void (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => void (out += c.toString()))
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('ready'))
        done(resolve)
      else if (child.exitCode !== null)
        done(() => reject(new Error(`worker exited: ${out}`)))
    }, 20)
    const done = (then: () => void): void => {
      clearInterval(timer)
      then()
    }
  })
  return { child, output: () => out, exited }
}

async function fleet(servers: number) {
  const redis = await startRedis()
  cleanups.push(() => redis.close())
  const sims = await startSimulators(servers, { speed: 1 })
  cleanups.push(() => sims.close())
  // While Redis is away these connections retry; their errors are expected, not unhandled.
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null }).on('error', () => {})
  const queue = new Queue<ComfyJobData, ComfyJobResult>('comfy', { connection })
  queue.on('error', () => {})
  cleanups.push(async () => {
    await queue.close()
    connection.disconnect()
  })
  // The most prompts each server held at once (its queue, running included), sampled as the jobs run.
  const peak = new Map<string, number>()
  const sampler = setInterval(() => {
    for (const sim of sims.sims) peak.set(sim.url, Math.max(peak.get(sim.url) ?? 0, sim.state.queueRemaining))
  }, 5)
  cleanups.push(() => clearInterval(sampler))
  return { redis, sims: sims.sims, urls: sims.urls, queue, peak }
}

/** Every `POST /prompt` the simulators got, with the prompt id and the server. */
function promptPosts(sims: readonly ComfySimulator[]): { server: string, promptId: string }[] {
  return sims.flatMap(sim => sim.requests.filter(r => r.method === 'POST' && /\/prompt$/.test(r.path) && r.status === 200).map(r => ({ server: sim.url, promptId: r.promptIds[0]! })))
}

async function allDone(queue: Queue, count: number, timeout: number): Promise<void> {
  const start = Date.now()
  for (;;) {
    const counts = await queue.getJobCounts('completed', 'failed')
    if ((counts.completed ?? 0) + (counts.failed ?? 0) >= count)
      return
    if (Date.now() - start > timeout)
      throw new Error(`jobs not done after ${timeout} ms: ${JSON.stringify(await queue.getJobCounts())}`)
    await sleep(100)
  }
}

describe('a fleet of BullMQ workers', () => {
  it('completes every job once when two of three workers are killed and a server restarts mid-run', async () => {
    const { sims, urls, queue, redis, peak } = await fleet(4)
    const workers = await Promise.all([0, 1, 2].map(() => startWorker(redis, urls, 'comfy')))
    const JOBS = 100
    await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'render', data: { workflow: workflow(i, 150) }, opts: { attempts: 3, jobId: `job-${i}` } })))
    // Kill two workers while their tasks run.
    const running = async (): Promise<void> => {
      for (;;) {
        if ((await queue.getJobCounts('completed')).completed! >= 15)
          return
        await sleep(50)
      }
    }
    await running()
    workers[0]!.child.kill('SIGKILL')
    workers[1]!.child.kill('SIGKILL')
    await Promise.all([workers[0]!.exited, workers[1]!.exited])
    // A server restarts (forgetting its queue and history) while the last worker runs tasks there.
    const restarted = sims[3]!
    for (;;) {
      if (restarted.state.running)
        break
      await sleep(10)
    }
    await restarted.restart({ downtimeMs: 200 })
    await allDone(queue, JOBS, 100_000)

    const completed = await queue.getJobs(['completed'])
    expect((await queue.getJobs(['failed'])).map(j => j.failedReason)).toEqual([])
    expect(completed).toHaveLength(JOBS)
    const posts = promptPosts(sims)
    const ids = new Set(posts.map(p => p.promptId))
    expect(posts.length).toBe(ids.size) // no prompt id sent twice
    // Jobs whose task was lost with the restarted server failed once with TASK_LOST and were retried as new prompts.
    const retried = completed.filter(j => (j.stacktrace ?? []).length > 0)
    expect(retried.length).toBeGreaterThan(0)
    // Jobs of the killed workers were followed on their servers by the last one.
    expect(completed.filter(j => j.returnvalue.resumed).length).toBeGreaterThan(0)
    for (const job of retried) expect((job.stacktrace ?? []).join('\n')).toContain('TASK_LOST')
    expect(ids.size).toBe(JOBS + retried.reduce((n, j) => n + (j.stacktrace ?? []).length, 0))
    // Each job's result names the prompt the server ran, on the server it was sent to.
    for (const job of completed) {
      const value = job.returnvalue
      expect(posts.filter(p => p.promptId === value.promptId)).toEqual([{ server: value.server, promptId: value.promptId }])
      expect(value.files.length).toBe(1)
      expect(value.files[0]!.url.startsWith(`${value.server}/`)).toBe(true)
    }
    // The cap is the fleet's: 12 job slots over 4 servers never put more than CAP prompts on one.
    for (const url of urls) expect(peak.get(url)).toBeLessThanOrEqual(CAP)
    expect(restarted.state).toMatchObject({ status: 'up' })
  })

  it('loses and duplicates no job while Redis goes away for a few seconds', async () => {
    const { sims, urls, queue, redis } = await fleet(2)
    await Promise.all([0, 1].map(() => startWorker(redis, urls, 'comfy')))
    const JOBS = 30
    await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'render', data: { workflow: workflow(i, 150) }, opts: { attempts: 3, jobId: `r-${i}` } })))
    for (;;) {
      if ((await queue.getJobCounts('completed')).completed! >= 5)
        break
      await sleep(50)
    }
    await redis.stop()
    await sleep(3000)
    await redis.start()
    await allDone(queue, JOBS, 90_000)
    const completed = await queue.getJobs(['completed'])
    expect(completed).toHaveLength(JOBS)
    const posts = promptPosts(sims)
    expect(posts.length).toBe(new Set(posts.map(p => p.promptId)).size)
    expect(new Set(completed.map(j => j.returnvalue.promptId)).size).toBe(JOBS)
  })

  it('finishes its active jobs on SIGTERM, then exits', async () => {
    const { sims, urls, queue, redis } = await fleet(2)
    const worker = await startWorker(redis, urls, 'comfy')
    await queue.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'render', data: { workflow: workflow(i, 600) }, opts: { jobId: `t-${i}` } })))
    for (;;) {
      if ((await queue.getJobCounts('active')).active! >= 2)
        break
      await sleep(20)
    }
    worker.child.kill('SIGTERM')
    expect(await worker.exited).toBe(0)
    const done = await queue.getJobs(['completed'])
    expect(done.length).toBeGreaterThanOrEqual(2)
    expect(worker.output()).toContain('stopped')
    const posts = promptPosts(sims)
    expect(posts.length).toBe(done.length) // jobs it had not started stay in the queue, unsent
    expect(await queue.getJobCounts('active')).toMatchObject({ active: 0 })
  })

  it('hands a job whose task outlasts graceMs back on SIGTERM; another worker follows the same prompt to the end', async () => {
    const { sims, urls, queue, redis } = await fleet(2)
    const leaving = await startWorker(redis, urls, 'comfy', { COMFY_GRACE_MS: '300' })
    await queue.add('render', { workflow: workflow(0, 4000) }, { jobId: 'long', attempts: 3 })
    // The task runs on its server and the job's record says the server took it.
    for (;;) {
      const job = await queue.getJob('long')
      if (job?.data.tether?.state === 'queued' && sims.some(s => s.state.running))
        break
      await sleep(20)
    }
    const { promptId, server } = (await queue.getJob('long'))!.data.tether!
    const taker = await startWorker(redis, urls, 'comfy')
    leaving.child.kill('SIGTERM')
    expect(await leaving.exited).toBe(0)
    expect(leaving.output()).toContain('stopped')
    expect(await queue.getJobCounts('completed')).toMatchObject({ completed: 0 }) // it left before the task ended
    await allDone(queue, 1, 60_000)

    const job = (await queue.getJob('long'))!
    expect(job.failedReason ?? '').toBe('')
    expect(job.returnvalue).toMatchObject({ server, promptId, resumed: true })
    expect(promptPosts(sims)).toEqual([{ server, promptId }]) // one POST /prompt for the job, on one server
    expect(taker.output()).not.toContain('failed')
  })
})
