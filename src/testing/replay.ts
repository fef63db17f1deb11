import type { DecodedBinaryFrame } from './binary-frames'
import type { ManualClock } from './clock'
import type { RecordedFrame, RecordedHttp, Transcript } from './transcripts'
import type { ComfySimulator } from './types'
import type { WebSocket } from 'ws'
import { decodeBinaryFrame } from './binary-frames'
import { optionalPackage } from './optional-deps'
import { causedStatusPoints, stepUntil } from './replay-clock'
import { materializeRequest } from './transcripts'

/** A frame the replayer's socket received. */
export type ActualFrame =
  | { kind: 'text', json: unknown, at: number }
  | { kind: 'binary', length: number, decoded: DecodedBinaryFrame, at: number }
  | { kind: 'closed', code: number, at: number }

export interface ActualHttp {
  status: number
  contentType: string | null
  contentLength: number | null
  contentDisposition: string | null
  json?: unknown
  text?: string
  bytes: number
}

export interface ReplayedHttp {
  recorded: RecordedHttp
  actual: ActualHttp | { error: string }
  /** Per socket label: `status` frames received before this request's answer came, in the replay. */
  statusBefore?: Record<string, number>
  /** Per socket label: `status` frames the recording has before this request's answer. */
  recordedStatusBefore?: Record<string, number>
}

export interface ReplayedSocket {
  label: string
  path: string
  recorded: RecordedFrame[]
  actual: ActualFrame[]
}

export interface ReplayResult {
  http: ReplayedHttp[]
  sockets: ReplayedSocket[]
  /** Recorded prompt ids (and sids) => the ids the simulator used. */
  ids: Map<string, string>
  /** Sync points that timed out: frames the recording had by then but the simulator had not sent. */
  syncTimeouts: string[]
}

export interface ReplayOptions {
  /** The simulator's speed: recorded delays are divided by it. */
  speed: number
  /** How long to wait for frames the recording had received before an action. @default 1500 */
  syncTimeoutMs?: number
  /**
   * The {@link ManualClock} the simulator was created with. The replay then moves simulated time to each recorded
   * moment (divided by `speed`) instead of sleeping, so node time, steps and prompt starts fall between the recorded
   * requests in the same order on every run, however busy the machine, and no recorded pause is waited out. A
   * `POST /prompt` goes in once the simulator has sent what the recording has before the `status` it caused (how
   * long the server took to handle it varied from run to run), and time runs on while frames the recording had
   * before an action are missing.
   * @default undefined (real time)
   */
  clock?: ManualClock
}

class ReplaySocket {
  readonly frames: ActualFrame[] = []
  readonly #waiters = new Set<() => void>()
  readonly ws: WebSocket

  constructor(url: string) {
    this.ws = new (optionalPackage('ws').WebSocket)(url)
    this.ws.on('error', () => {})
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.#push({ kind: 'binary', length: data.length, decoded: decodeBinaryFrame(data), at: performance.now() })
        return
      }
      let json: unknown
      try {
        json = JSON.parse(String(data))
      }
      catch {
        json = String(data)
      }
      this.#push({ kind: 'text', json, at: performance.now() })
    })
    this.ws.on('close', (code: number) => this.#push({ kind: 'closed', code, at: performance.now() }))
  }

  #push(frame: ActualFrame): void {
    this.frames.push(frame)
    for (const wake of [...this.#waiters])
      wake()
  }

  /** Resolve true once `count` frames arrived, false after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<boolean> {
    if (this.frames.length >= count)
      return Promise.resolve(true)
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.frames.length >= count) {
          clearTimeout(timer)
          this.#waiters.delete(check)
          resolve(true)
        }
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        resolve(false)
      }, timeoutMs)
      this.#waiters.add(check)
    })
  }

  opened(): Promise<void> {
    if (this.ws.readyState !== this.ws.CONNECTING)
      return Promise.resolve()
    return new Promise(resolve => this.ws.once('open', () => resolve()).once('close', () => resolve()))
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise(resolve => setTimeout(resolve, ms)) : Promise.resolve()
}

function isStatusJson(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'status'
}

/** `status` frames received so far, per socket label. */
function statusCounts(sockets: Map<string, ReplaySocket>): Record<string, number> {
  return Object.fromEntries([...sockets].map(([label, socket]) => [label, socket.frames.filter(f => f.kind === 'text' && isStatusJson(f.json)).length]))
}

async function send(sim: ComfySimulator, recorded: RecordedHttp['request'], contents: Map<string, Buffer>, mapIds: (s: string) => string, onAnswer: () => void): Promise<ActualHttp | { error: string }> {
  const req = materializeRequest(recorded, contents, mapIds)
  try {
    const res = await fetch(`${sim.url}${req.path}`, { method: req.method, headers: req.headers, body: req.body })
    onAnswer()
    const bytes = Buffer.from(await res.arrayBuffer())
    const contentType = res.headers.get('content-type')
    const length = res.headers.get('content-length')
    const actual: ActualHttp = { status: res.status, contentType, contentLength: length === null ? null : Number(length), contentDisposition: res.headers.get('content-disposition'), bytes: bytes.length }
    if (contentType?.startsWith('application/json')) {
      try {
        actual.json = JSON.parse(bytes.toString('utf8'))
      }
      catch {
        actual.text = bytes.toString('utf8')
      }
    }
    else if (contentType?.startsWith('text/')) {
      actual.text = bytes.toString('utf8')
    }
    return actual
  }
  catch (e) {
    return { error: String(e) }
  }
}

/**
 * Send a recording's requests and socket actions to `sim` in the recorded order and rhythm (divided by `speed`), and
 * collect what comes back. Before each action it waits for the frames the recording had received by then, and
 * re-anchors its clock on the last of them, so the replay follows the simulator's progress rather than drifting.
 * With `clock` (the simulator's {@link ManualClock}) it moves simulated time instead (see {@link ReplayOptions.clock}).
 * `note` events whose text starts with `kill:` restart the simulator (scenario 13).
 */
export async function replayTranscript(sim: ComfySimulator, transcript: Transcript, options: ReplayOptions): Promise<ReplayResult> {
  const { speed, syncTimeoutMs = 1500, clock } = options
  // Simulated time of the recording's start (work done before the replay, such as a setup run, already used some).
  const origin = clock?.now ?? 0
  const ids = new Map<string, string>()
  const mapIds = (text: string): string => {
    let out = text
    for (const [from, to] of ids)
      out = out.replaceAll(from, to)
    return out
  }
  const contents = new Map<string, Buffer>()
  const sockets = new Map<string, ReplaySocket>()
  const paths = new Map<string, string>()
  const recorded = new Map<string, { frame: RecordedFrame, t: number, index: number }[]>()
  transcript.events.forEach((ev, index) => {
    if ('frame' in ev) {
      const list = recorded.get(ev.ws) ?? []
      list.push({ frame: ev.frame, t: ev.t_ms, index })
      recorded.set(ev.ws, list)
    }
  })
  const caused = clock ? causedStatusPoints(transcript) : new Map<number, ReadonlyMap<string, number>>()
  const has = (counts: ReadonlyMap<string, number>): boolean => [...counts].every(([label, n]) => (sockets.get(label)?.frames.length ?? n) >= n)
  const http: ReplayedHttp[] = []
  const syncTimeouts: string[] = []
  let anchorRecorded = 0
  let anchorReal = performance.now()

  for (const [index, ev] of transcript.events.entries()) {
    if ('frame' in ev)
      continue
    if ('note' in ev && !ev.note.startsWith('kill:'))
      continue
    // Frames the recording had received before this action.
    const before = new Map([...recorded].map(([label, frames]) => [label, frames.filter(f => f.index < index && f.t <= ev.t_ms).length]))
    const effect = caused.get(index)
    if (clock) {
      // Simulated time runs to the recorded moment, but a POST /prompt goes in where the recording shows its status,
      // then on while frames the recording had by then are missing (the simulator may be slower than the server).
      const target = origin + ev.t_ms / speed
      if (!await stepUntil(clock, target, () => effect !== undefined && has(effect)))
        await clock.advanceTo(target)
      await stepUntil(clock, Infinity, () => has(before) && (effect === undefined || has(effect)))
    }
    let latest: { t: number, at: number } | null = null
    for (const [label, frames] of recorded) {
      const count = before.get(label) ?? 0
      const socket = sockets.get(label)
      if (count === 0 || !socket)
        continue
      if (!await socket.waitFor(count, syncTimeoutMs)) {
        syncTimeouts.push(`before event #${index} (t=${ev.t_ms}): socket ${label} had ${socket.frames.length} of ${count} frames`)
        continue
      }
      const last = frames.filter(f => f.index < index && f.t <= ev.t_ms).at(-1)
      const arrived = socket.frames[count - 1]
      if (last && arrived && (!latest || last.t >= latest.t))
        latest = { t: last.t, at: arrived.at }
    }
    if (latest && latest.t >= anchorRecorded) {
      anchorRecorded = latest.t
      anchorReal = latest.at
    }
    if (!clock)
      await sleep(anchorReal + (ev.t_ms - anchorRecorded) / speed - performance.now())

    if ('note' in ev) {
      await sim.restart()
    }
    else if ('http' in ev) {
      let statusBefore: Record<string, number> = {}
      const actual = await send(sim, ev.http.request, contents, mapIds, () => {
        statusBefore = statusCounts(sockets)
      })
      const recordedStatusBefore = Object.fromEntries([...recorded].map(([label, frames]) => [label, frames.filter(f => f.index < index && f.frame.kind === 'text' && isStatusJson(f.frame.json)).length]))
      const recordedId = (ev.http.response.json as { prompt_id?: unknown } | undefined)?.prompt_id
      const actualId = 'json' in actual ? (actual.json as { prompt_id?: unknown } | undefined)?.prompt_id : undefined
      if (ev.http.request.path.endsWith('/prompt') && typeof recordedId === 'string' && typeof actualId === 'string' && recordedId !== actualId)
        ids.set(recordedId, actualId)
      http.push({ recorded: ev.http, actual, statusBefore, recordedStatusBefore })
    }
    else if ('action' in ev) {
      const connect = /^connect (\S+)$/.exec(ev.action)
      if (connect?.[1]) {
        const socket = new ReplaySocket(`${sim.wsUrl}${connect[1]}`)
        sockets.set(ev.ws, socket)
        paths.set(ev.ws, connect[1])
        await socket.opened()
      }
      else if (ev.action === 'send') {
        sockets.get(ev.ws)?.ws.send(JSON.stringify(ev.sent))
      }
      else if (ev.action === 'client close') {
        const socket = sockets.get(ev.ws)
        if (socket) {
          const count = socket.frames.length
          socket.ws.close()
          await socket.waitFor(count + 1, syncTimeoutMs)
        }
      }
      else {
        throw new Error(`[comfy-tether] Cannot replay socket action ${JSON.stringify(ev.action)}.`)
      }
    }
  }
  // Let every socket receive what the recording received, then a little more to catch extra frames.
  if (clock) {
    await clock.advanceTo(origin + (transcript.events.at(-1)?.t_ms ?? 0) / speed)
    await stepUntil(clock, Infinity, () => has(new Map([...recorded].map(([label, frames]) => [label, frames.length]))))
  }
  for (const [label, frames] of recorded) {
    const socket = sockets.get(label)
    if (socket && !await socket.waitFor(frames.length, syncTimeoutMs))
      syncTimeouts.push(`at the end: socket ${label} had ${socket.frames.length} of ${frames.length} frames`)
  }
  await clock?.advanceBy(200 / speed)
  await sleep(clock ? 20 : Math.max(20, 200 / speed))
  const result: ReplayResult = {
    http,
    ids,
    syncTimeouts,
    sockets: [...recorded.keys()].map(label => ({
      label,
      path: paths.get(label) ?? '',
      recorded: (recorded.get(label) ?? []).map(f => f.frame),
      actual: [...(sockets.get(label)?.frames ?? [])],
    })),
  }
  for (const socket of sockets.values())
    socket.ws.terminate()
  return result
}
