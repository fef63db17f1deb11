// A worker keeps its pending tasks in a real Redis (ioredis, asynchronous getItem/setItem): after a restart a new
// client on the same key takes the running task back on its server and sees it end, without sending it again.
import type { ComfyStorage } from 'comfy-tether/client'
import { Redis } from 'ioredis'
import WebSocket from 'ws'
import { createComfyClient } from 'comfy-tether/client'
import { startSimulators } from 'comfy-tether/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { startRedis } from './redis-server'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'
import { sleep, waitFor } from '../helpers/wait'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('persist.storage on Redis', () => {
  it('restores a running task from Redis after the worker restarts', async () => {
    const redisServer = await startRedis()
    cleanups.push(() => redisServer.close())
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null })
    cleanups.push(() => redis.quit())
    const storage: ComfyStorage = { getItem: key => redis.get(key), setItem: async (key, value) => {
      await redis.set(key, value)
    } }
    const sims = await startSimulators(2, { speed: 1 })
    cleanups.push(() => sims.close())
    const make = () => {
      const client = createComfyClient({ servers: sims.urls, WebSocket, logger: false, persist: { storage, key: 'worker-7' }, reconcile: { interval: 200, lostGrace: 400 } })
      cleanups.push(() => client.dispose())
      return client
    }

    const first = make()
    const handle = await first.submit(slowWorkflowWithoutPreviews(6, 1.5))
    await waitFor(() => handle.task?.state === 'running', 'running')
    const server = handle.task!.server
    const saved = async () => JSON.parse(await redis.get('worker-7') ?? 'null') as { clientId: string, tasks: { promptId: string, state: string }[] } | null
    for (let s = await saved(); !s?.tasks.some(t => t.promptId === handle.promptId && t.state === 'running'); s = await saved())
      await sleep(20)
    first.dispose() // the worker goes away mid-task

    const second = make()
    await waitFor(() => second.ready, 'the restore from Redis')
    expect(second.clientId).toBe(first.clientId)
    expect(second.tasks.get(handle.promptId)?.server).toBe(server)
    await waitFor(() => second.tasks.get(handle.promptId)?.state === 'succeeded', 'the restored task to end', 15_000)
    const posts = sims.sims.flatMap(s => s.requests).filter(r => r.method === 'POST' && r.path.endsWith('/prompt'))
    expect(posts.map(r => r.server)).toEqual([server])
  })
})
