// node-worker.ts: a backend worker that takes image jobs and runs them on a pool of ComfyUI servers, each job
// tethered to the server it was placed on (its socket, its calls, its outputs). The servers here are simulators;
// point `servers` at your own. Run: npx tsx examples/node-worker.ts
import WebSocket from 'ws'
import { createComfyClient } from 'comfy-tether/client'
import type { ComfyWorkflow } from 'comfy-tether/client'
import { startSimulators } from 'comfy-tether/testing'

/** One job: a solid-colour image of a given size. */
interface Job { id: number, color: number, size: number }

function workflowFor(job: Job): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: job.size, height: job.size, batch_size: 1, color: job.color } },
    2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 3, seconds: 0.3, preview: false, progress_text: false } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: `job-${job.id}` } },
  }
}

const pool = await startSimulators(3)
const client = createComfyClient({
  servers: pool.urls,
  WebSocket, // Node 20 has no global WebSocket: the `ws` package's
  affinity: 'task', // each task locks its own server
  maxTasksPerServer: 1, // the others wait in the worker until a server is free
  logger: false,
})

const jobs: Job[] = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, color: 0x102030 * (i + 1), size: 8 + i }))
const outcomes = await Promise.all(jobs.map(async (job) => {
  const { result } = await client.submit(workflowFor(job))
  try {
    const { server, imageUrls } = await result
    console.log(`job ${job.id}: succeeded on ${server} (${imageUrls.length} image)`)
    return server
  }
  catch (error) {
    console.log(`job ${job.id}: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
}))

const used = new Set(outcomes.filter(Boolean))
console.log(`done: ${outcomes.filter(Boolean).length}/${jobs.length} jobs on ${used.size} servers`)
client.dispose() // sockets closed, timers stopped: the process can exit
await pool.close()
