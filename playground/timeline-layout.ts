import type { ComfyTask, LockEvent, ServerStatus } from 'comfy-tether'
import type { FaultRecord } from './faults'

/** Geometry of the lock timeline, in SVG user units. */
export const GEOMETRY = { width: 1200, labelWidth: 118, right: 14, axis: 22, strip: 7, row: 18, rowGap: 4, markers: 16, laneGap: 10 }

/** A task's bar: from created to ended (or now), on its server's lane. */
export interface TaskBar {
  task: ComfyTask
  row: number
  x: number
  /** Where it started running (the part before is waiting: preparing or queued). */
  xStart: number | null
  width: number
}

/** A stretch of socket state on a lane. */
export interface SocketSpan {
  state: 'open' | 'down'
  x: number
  width: number
}

/** One server's lane. */
export interface Lane {
  server: ServerStatus
  y: number
  height: number
  bars: TaskBar[]
  sockets: SocketSpan[]
  events: { entry: LockEvent, x: number }[]
  faults: { fault: FaultRecord, x: number }[]
}

/** Everything the component draws. */
export interface TimelineLayout {
  /** The drawing's width in SVG user units (= CSS pixels: the SVG is drawn at its container's size). */
  width: number
  /** Where the plot starts (left of it: the lane labels). */
  labelWidth: number
  start: number
  end: number
  height: number
  lanes: Lane[]
  ticks: { x: number, at: number }[]
}

const TICK_STEPS = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000]
/** Older than this scrolls off the left edge. */
const WINDOW_MS = 10 * 60_000

/** Socket spans of one server, replayed from the lock log: open after socket-open, down after a close until reopened or released. */
function socketSpans(log: readonly LockEvent[], server: string, now: number): { state: 'open' | 'down', from: number, to: number }[] {
  const spans: { state: 'open' | 'down', from: number, to: number }[] = []
  let current: { state: 'open' | 'down', from: number } | null = null
  const close = (at: number): void => {
    if (current)
      spans.push({ ...current, to: at })
    current = null
  }
  for (const entry of log) {
    if (entry.server !== server)
      continue
    if (entry.kind === 'socket-open') {
      close(entry.at)
      current = { state: 'open', from: entry.at }
    }
    else if (entry.kind === 'socket-closed') {
      close(entry.at)
      current = { state: 'down', from: entry.at }
    }
    else if (entry.kind === 'release') {
      close(entry.at)
    }
  }
  close(now)
  return spans
}

/** Lays out lanes (one per server), task bars packed into rows without overlap, socket spans and markers. */
export function layoutTimeline(input: {
  servers: readonly ServerStatus[]
  tasks: readonly ComfyTask[]
  log: readonly LockEvent[]
  faults: readonly FaultRecord[]
  now: number
  /** The width to draw at (the container's, so text keeps its size on a phone). @default GEOMETRY.width */
  width?: number
}): TimelineLayout {
  const { servers, tasks, log, faults, now } = input
  const g = GEOMETRY
  const width = Math.max(280, Math.round(input.width ?? g.width))
  const labelWidth = Math.min(g.labelWidth, Math.round(width * 0.18))
  const times = [...tasks.map(t => t.createdAt), ...log.filter(e => e.server).map(e => e.at), ...faults.map(f => f.at)]
  const end = now + 500
  const start = Math.max(times.length ? Math.min(...times) - 500 : now - 30_000, end - WINDOW_MS)
  const plot = width - labelWidth - g.right
  const x = (at: number): number => labelWidth + ((Math.min(Math.max(at, start), end) - start) / (end - start)) * plot

  let y = g.axis
  const lanes: Lane[] = servers.map((server, index) => {
    const own = tasks.filter(t => t.server === server.url && (t.endedAt ?? now) >= start).sort((a, b) => a.createdAt - b.createdAt)
    const rowEnds: number[] = []
    const bars = own.map((task) => {
      const to = task.endedAt ?? now
      let row = rowEnds.findIndex(e => e < task.createdAt)
      if (row === -1)
        row = rowEnds.push(to) - 1
      else
        rowEnds[row] = to
      const x0 = x(task.createdAt)
      return { task, row, x: x0, xStart: task.startedAt === null ? null : x(task.startedAt), width: Math.max(3, x(to) - x0) }
    })
    const rows = Math.max(1, rowEnds.length)
    const height = g.strip + 4 + rows * (g.row + g.rowGap) + g.markers
    const lane: Lane = {
      server,
      y,
      height,
      bars,
      sockets: socketSpans(log, server.url, now).filter(s => s.to >= start).map(s => ({ state: s.state, x: x(s.from), width: Math.max(1, x(s.to) - x(s.from)) })),
      events: log.filter(e => e.server === server.url && e.at >= start).map(entry => ({ entry, x: x(entry.at) })),
      faults: faults.filter(f => f.index === index && f.at >= start).map(fault => ({ fault, x: x(fault.at) })),
    }
    y += height + g.laneGap
    return lane
  })

  // About one tick per 110 px, so the clock labels never overlap.
  const maxTicks = Math.max(2, Math.min(10, Math.floor(plot / 110)))
  const step = TICK_STEPS.find(s => (end - start) / s <= maxTicks) ?? TICK_STEPS.at(-1)!
  const ticks: { x: number, at: number }[] = []
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) ticks.push({ x: x(at), at })
  return { width, labelWidth, start, end, height: y, lanes, ticks }
}
