// Bad input to comfy-tether/bullmq: a processor over a client that cannot follow a fleet's tasks, or a job without a
// workflow, gets a typed refusal before anything is sent or written to Redis.
import type { ComfyJob } from 'comfy-tether/bullmq'
import { UnrecoverableError } from 'bullmq'
import { createComfyProcessor } from 'comfy-tether/bullmq'
import { createComfyClient } from 'comfy-tether/client'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'

const disposals: (() => void)[] = []
afterEach(() => {
  for (const dispose of disposals.splice(0)) dispose()
})

/** A Redis that records every command: none may be sent. */
function recordingRedis() {
  const commands: string[] = []
  return { commands, redis: { call: async (_command: string, script: string | number) => void commands.push(String(script)) } }
}

function client(affinity: 'session' | 'task') {
  const c = createComfyClient({ servers: ['http://127.0.0.1:1'], WebSocket, affinity, persist: false, logger: false })
  disposals.push(() => c.dispose())
  return c
}

describe('createComfyProcessor refuses bad input', () => {
  it('refuses a session-affinity client and a cap below 1 with INVALID_OPTIONS', () => {
    const { redis, commands } = recordingRedis()
    expect(() => createComfyProcessor({ client: client('session'), redis })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('affinity') }))
    expect(() => createComfyProcessor({ client: client('task'), redis, maxTasksPerServer: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('maxTasksPerServer') }))
    expect(commands).toEqual([])
  })

  it('fails a job without { workflow } for good (UnrecoverableError), touching no server and no slot', async () => {
    const { redis, commands } = recordingRedis()
    const processor = createComfyProcessor({ client: client('task'), redis })
    const job = { id: '7', data: { prompt: {} }, attemptsMade: 0, updateData: async () => {}, updateProgress: async () => {}, moveToDelayed: async () => {} } as unknown as ComfyJob
    const failure = await processor(job).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(UnrecoverableError)
    expect((failure as Error).message).toContain('{ workflow }')
    expect(commands).toEqual([])
  })
})
