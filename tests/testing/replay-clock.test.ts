// Why the replay puts a POST /prompt in where the recording shows its status: the recorded servers placed that status
// differently for the same client timing. And a replay without a clock still follows the recorded rhythm.
import type { ComfySimulator, Transcript } from '../../src/testing/index'
import { afterEach, describe, expect, it } from 'vitest'
import { compareFrameOrder } from '../../src/testing/order-compare'
import { causedStatusPoints } from '../../src/testing/replay-clock'
import { compareReplay } from '../../src/testing/shape-compare'
import { createComfySimulator, loadTranscript, replayTranscript } from '../../src/testing/index'
import { REFERENCE } from './conformance'

const CPU = new URL('v0.33.0-783545f-cpu/', REFERENCE)

/** For the second POST /prompt of a scenario: ms after the first one it was sent, and the two frames around its status. */
function secondPrompt(transcript: Transcript): { after: number, between: string[] } {
  const posts = transcript.events.flatMap((ev, index) => ('http' in ev && ev.http.request.method === 'POST' && ev.http.request.path === '/prompt' ? [{ index, t: ev.t_ms }] : []))
  const [first, second] = posts
  const point = second && causedStatusPoints(transcript).get(second.index)
  const [label, count] = point?.size === 1 ? [...point][0] ?? [] : []
  if (!first || !second || label === undefined || count === undefined)
    throw new Error('expected two POST /prompt and one socket')
  const frames = transcript.events.flatMap(ev => ('frame' in ev && ev.ws === label ? [ev.frame] : []))
  const name = (i: number): string => {
    const f = frames[i]
    if (f?.kind !== 'text')
      return String(f?.kind)
    const data = f.json.data as { node?: string, nodes?: Record<string, { state: string }>, status?: { exec_info: { queue_remaining: number } } }
    if (f.json.type === 'status')
      return `status(${data.status?.exec_info.queue_remaining})`
    if (f.json.type === 'executing')
      return `executing(${data.node})`
    return `${f.json.type}(${Object.entries(data.nodes ?? {}).map(([id, n]) => `${id}:${n.state}`).join(',')})`
  }
  return { after: second.t - first.t, between: [name(count - 1), name(count), name(count + 1)] }
}

describe('where the recorded 0.33.0 server put the status of a second POST /prompt sent while the first prompt started', () => {
  it('differs from run to run for the same 3-4 ms between the requests: no fixed timing with the requests sent on time reproduces all three', () => {
    expect(secondPrompt(loadTranscript(CPU, '10_queue_delete.json'))).toEqual({ after: 3, between: ['executing(2)', 'status(2)', 'progress_state(1:finished,2:running)'] })
    expect(secondPrompt(loadTranscript(CPU, '13_server_restart.json'))).toEqual({ after: 3, between: ['executing(1)', 'status(2)', 'progress_state(1:finished)'] })
    expect(secondPrompt(loadTranscript(CPU, '14_jobs_api.json'))).toEqual({ after: 4, between: ['progress_state(1:finished)', 'status(2)', 'progress_state(1:finished,2:running)'] })
  })
})

describe('replayTranscript without a clock', () => {
  const sims: ComfySimulator[] = []
  afterEach(async () => {
    await Promise.all(sims.splice(0).map(s => s.close()))
  })

  it('sleeps out the recorded rhythm divided by speed, on a simulator whose nodes take no time', async () => {
    const sim = await createComfySimulator({ speed: 10 })
    sims.push(sim)
    const result = await replayTranscript(sim, loadTranscript(CPU, '08_execution_error.json'), { speed: 10 })
    expect(compareReplay(result, [{ where: /:: (?:.*\.)?(?:traceback(?:\.\d+)?|current_inputs\.image\.0)$/, kinds: ['value', 'length'], reason: 'tracebacks point into the simulator' }])).toEqual([])
    expect(compareFrameOrder(result)).toEqual([])
  })
})
