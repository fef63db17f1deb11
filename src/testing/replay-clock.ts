import type { ManualClock } from './clock'
import type { Transcript } from './transcripts'

/** Per socket label: a number of frames. */
export type FrameCounts = ReadonlyMap<string, number>

function queueRemaining(json: unknown): number | null {
  const data = (json as { type?: unknown, data?: { status?: { exec_info?: { queue_remaining?: unknown } } } } | null)
  if (data?.type !== 'status')
    return null
  const n = data.data?.status?.exec_info?.queue_remaining
  return typeof n === 'number' ? n : null
}

/**
 * Where each successful `POST /prompt` of `transcript` shows its effect: per socket, how many frames the recording
 * has before the `status` broadcast the request caused (the first `status` after what the client had when it sent the
 * request whose `queue_remaining` grew, and that no earlier request claimed). Keyed by the request's event index.
 *
 * When the recorded server got such a request while it was running a prompt, where that `status` falls among the
 * prompt's messages depends on how long the server took to handle the request, which varies from run to run: the
 * recordings hold, for the same 3-4 ms between two requests, that `status` inside the first node (scenario 13),
 * between the first node and the second (14) and after the second node's start (10).
 */
export function causedStatusPoints(transcript: Transcript): Map<number, FrameCounts> {
  const frames = new Map<string, { t: number, index: number, queue: number | null }[]>()
  transcript.events.forEach((ev, index) => {
    if ('frame' in ev) {
      const list = frames.get(ev.ws) ?? []
      list.push({ t: ev.t_ms, index, queue: ev.frame.kind === 'text' ? queueRemaining(ev.frame.json) : null })
      frames.set(ev.ws, list)
    }
  })
  const claimed = new Set<number>()
  const points = new Map<number, FrameCounts>()
  transcript.events.forEach((ev, index) => {
    if (!('http' in ev) || ev.http.request.method !== 'POST' || !/^(?:\/api)?\/prompt$/.test(ev.http.request.path))
      return
    if (typeof (ev.http.response.json as { prompt_id?: unknown } | undefined)?.prompt_id !== 'string')
      return
    const counts = new Map<string, number>()
    for (const [label, list] of frames) {
      const had = list.filter(f => f.index < index && f.t <= ev.t_ms).length
      let previous: number | null = null
      for (const [i, f] of list.entries()) {
        if (f.queue === null)
          continue
        if (i >= had && previous !== null && f.queue > previous && !claimed.has(f.index)) {
          claimed.add(f.index)
          counts.set(label, i)
          break
        }
        previous = f.queue
      }
    }
    if (counts.size > 0)
      points.set(index, counts)
  })
  return points
}

/** A few turns of the event loop: enough for frames the simulator wrote to reach sockets of the same process. */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++)
    await new Promise(resolve => setImmediate(resolve))
}

/**
 * Fire the clock's timers one by one, in time order, while they are due by `limit` and `done()` is false, letting
 * the frames each one sends arrive before the next. Resolves whether `done()` became true.
 */
export async function stepUntil(clock: ManualClock, limit: number, done: () => boolean): Promise<boolean> {
  await turns()
  for (;;) {
    if (done())
      return true
    const at = clock.nextAt
    if (at === null || at > limit)
      return false
    await clock.step()
    await turns()
  }
}
