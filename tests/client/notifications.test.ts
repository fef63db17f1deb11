// What a subscriber hears while a task runs: every change of the task (its progress is news), but not a new socket
// state or server list for each of the dozens of frames a second that carry no such news. An app that re-renders on
// each notification would otherwise redraw its server panel at the frame rate.
import type { ComfyClientEvent } from 'comfy-tether/client'
import { describe, expect, it } from 'vitest'
import { nodeClient, simulatorPool } from '../helpers/node-client'
import { slowWorkflowWithoutPreviews } from '../helpers/workflows'

const { servers } = simulatorPool()

describe('notifications while a task runs', () => {
  it('tells every progress step, but the socket and server state only when they change', async () => {
    const { urls } = await servers(1)
    const client = nodeClient({ servers: urls })
    const steps = 40
    const handle = await client.submit(slowWorkflowWithoutPreviews(steps, 0.8))
    const heard = new Map<ComfyClientEvent['type'], number>()
    const progressSeen = new Set<number>()
    const stop = client.subscribe((event) => {
      heard.set(event.type, (heard.get(event.type) ?? 0) + 1)
      const value = client.tasks.get(handle.promptId)?.progress?.value
      if (value !== undefined)
        progressSeen.add(value)
    })
    await handle.result
    stop()
    // Every step reached the subscriber...
    expect(progressSeen.size).toBeGreaterThanOrEqual(steps - 1)
    expect(heard.get('updated')).toBeGreaterThanOrEqual(steps)
    // ...while the socket state (lastMessageAt refreshes at most once a second) and the servers changed a few times.
    expect(heard.get('locks') ?? 0).toBeLessThan(10)
    expect(heard.get('servers') ?? 0).toBeLessThan(10)
    expect(client.socket.lastMessageAt ?? client.sockets[urls[0]!]?.lastMessageAt).toEqual(expect.any(Number))
  })
})
