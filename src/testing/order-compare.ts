import type { ReplayResult } from './replay'
import type { Transcript } from './transcripts'

/** Requests whose answer ComfyUI writes before the `status` broadcast they cause (it only queues that message). */
const ANSWERS_FIRST = /^POST (?:\/api)?\/(?:prompt|queue)$/

/** The `status` frames a recording has, per socket, before the answer of each of its HTTP events (in order). */
export function recordedStatusOrder(transcript: Transcript): { request: string, before: Record<string, number> }[] {
  const seen: Record<string, number> = {}
  const out: { request: string, before: Record<string, number> }[] = []
  for (const ev of transcript.events) {
    if ('frame' in ev) {
      if (ev.frame.kind === 'text' && ev.frame.json.type === 'status')
        seen[ev.ws] = (seen[ev.ws] ?? 0) + 1
    }
    else if ('http' in ev) {
      out.push({ request: `${ev.http.request.method} ${ev.http.request.path}`, before: { ...seen } })
    }
  }
  return out
}

/**
 * Compares where the `status` broadcasts fall around the answers of `POST /prompt` and `POST /queue`: none may arrive
 * before the answer in the replay that the recording received only after it. Where a second real recording of the
 * same scenario (`other`, e.g. the GPU run) has more before that answer, the order there is a race in ComfyUI too, and
 * the larger count is allowed.
 */
export function compareStatusOrder(result: ReplayResult, other?: Transcript): string[] {
  const differences: string[] = []
  const otherOrder = other ? recordedStatusOrder(other) : []
  const sameRequests = otherOrder.length === result.http.length && otherOrder.every((o, i) => o.request === `${result.http[i]?.recorded.request.method} ${result.http[i]?.recorded.request.path}`)
  for (const [i, http] of result.http.entries()) {
    const request = `${http.recorded.request.method} ${http.recorded.request.path}`
    if (!ANSWERS_FIRST.test(request) || !http.statusBefore || !http.recordedStatusBefore)
      continue
    for (const [label, actual] of Object.entries(http.statusBefore)) {
      const recorded = http.recordedStatusBefore[label] ?? 0
      const allowed = Math.max(recorded, sameRequests ? otherOrder[i]?.before[label] ?? 0 : 0)
      if (actual > allowed)
        differences.push(`http #${i} ${request} :: order: socket ${label} got ${actual} status frame(s) before the answer, the recording ${recorded}${allowed > recorded ? ` (the other recording ${allowed})` : ''}: the simulator broadcast before answering`)
    }
  }
  return differences
}

function frameKey(frame: { kind: string, json?: unknown }): string {
  if (frame.kind !== 'text')
    return frame.kind
  const json = frame.json as { type?: unknown, data?: { status?: { exec_info?: { queue_remaining?: unknown } } } } | null
  const type = String(json?.type)
  return type === 'status' ? `status(${String(json?.data?.status?.exec_info?.queue_remaining)})` : type
}

/**
 * Order-strict: per socket, the replay's frames (`status` with its `queue_remaining`) must come in exactly the
 * recorded order. Lists the first place each socket differs.
 */
export function compareFrameOrder(result: ReplayResult): string[] {
  const differences: string[] = []
  for (const socket of result.sockets) {
    const recorded = socket.recorded.map(frameKey)
    const actual = socket.actual.map(frameKey)
    const at = recorded.findIndex((key, i) => key !== actual[i])
    if (at >= 0 || actual.length !== recorded.length) {
      const i = at >= 0 ? at : Math.min(recorded.length, actual.length)
      differences.push(`ws ${socket.label} #${i} :: order: recorded [${recorded.slice(Math.max(0, i - 2), i + 3).join(', ')}], got [${actual.slice(Math.max(0, i - 2), i + 3).join(', ')}]`)
    }
  }
  return differences
}
