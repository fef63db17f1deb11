import type { ActualFrame, ReplayResult } from './replay'
import type { RecordedFrame } from './transcripts'

/** A deliberate difference between the simulator and the recording: where it may occur, and why. */
export interface Allowance {
  /** Matched against the difference's location, e.g. `http GET /system_stats :: system.python_version`. */
  where: RegExp
  /** `value`: primitive values may differ; `length`: array lengths; `keys`: object keys; `type`: primitive types. */
  kinds: readonly ('value' | 'length' | 'keys' | 'type')[]
  reason: string
}

/** Values that change from run to run on any server: times, counters, machine figures. */
const VOLATILE_KEYS = /* @__PURE__ */ new Set([
  'timestamp',
  'create_time',
  'execution_start_time',
  'execution_end_time',
  'number',
  'priority',
  'ram_total',
  'ram_free',
  'vram_total',
  'vram_free',
  'torch_vram_total',
  'torch_vram_free',
])
/** The prompt number at the head of a queue item or history `prompt`. */
const VOLATILE_PATHS = [/(?:^|\.)queue_(?:running|pending)\.\d+\.0$/, /(?:^|\.)prompt\.0$/]

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

function mapDeep(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string')
    return ids.get(value) ?? value.replace(UUID, id => ids.get(id) ?? id)
  if (Array.isArray(value))
    return value.map(v => mapDeep(v, ids))
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [ids.get(k) ?? k, mapDeep(v, ids)]))
  return value
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

class Comparison {
  readonly differences: string[] = []
  constructor(readonly allowances: readonly Allowance[]) {}

  allowed(location: string, kind: Allowance['kinds'][number]): boolean {
    return this.allowances.some(a => a.kinds.includes(kind) && a.where.test(location))
  }

  report(location: string, kind: Allowance['kinds'][number], message: string): void {
    if (!this.allowed(location, kind))
      this.differences.push(`${location}: ${message}`)
  }

  /** Compare `actual` to the recorded `expected` by shape: keys, array lengths, primitive types and stable values. */
  value(expected: unknown, actual: unknown, scope: string, path = ''): void {
    const location = `${scope} :: ${path || '(root)'}`
    const key = path.split('.').at(-1) ?? ''
    const ek = kindOf(expected)
    const ak = kindOf(actual)
    if (ek !== ak) {
      if (!(VOLATILE_KEYS.has(key) && ek === 'number' && ak === 'number'))
        this.report(location, 'type', `recorded ${ek} ${JSON.stringify(expected)?.slice(0, 80)}, got ${ak} ${JSON.stringify(actual)?.slice(0, 80)}`)
      return
    }
    if (ek === 'array') {
      const e = expected as unknown[]
      const a = actual as unknown[]
      if (e.length !== a.length)
        this.report(location, 'length', `recorded ${e.length} items, got ${a.length}`)
      for (let i = 0; i < Math.min(e.length, a.length); i++)
        this.value(e[i], a[i], scope, path ? `${path}.${i}` : String(i))
      return
    }
    if (ek === 'object') {
      const e = expected as Record<string, unknown>
      const a = actual as Record<string, unknown>
      const missing = Object.keys(e).filter(k => !(k in a))
      const extra = Object.keys(a).filter(k => !(k in e))
      if (missing.length > 0 || extra.length > 0)
        this.report(location, 'keys', `${missing.length ? `missing keys ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `extra keys ${extra.join(', ')}` : ''}`)
      for (const k of Object.keys(e)) {
        if (k in a)
          this.value(e[k], a[k], scope, path ? `${path}.${k}` : k)
      }
      return
    }
    if (expected === actual || VOLATILE_KEYS.has(key) || VOLATILE_PATHS.some(p => p.test(path)))
      return
    this.report(location, 'value', `recorded ${JSON.stringify(expected)?.slice(0, 120)}, got ${JSON.stringify(actual)?.slice(0, 120)}`)
  }
}

function templatePath(path: string): string {
  return path.replace(UUID, '{id}')
}

function frameName(frame: RecordedFrame | ActualFrame): string {
  if (frame.kind === 'text')
    return typeof frame.json === 'object' && frame.json !== null ? String((frame.json as { type?: unknown }).type) : 'invalid-json'
  if (frame.kind === 'binary') {
    if ('decoded' in frame && frame.decoded && 'event' in frame.decoded)
      return `binary:${String(frame.decoded.event)}`
    return 'binary:?'
  }
  return 'closed'
}

function isStatus(frame: RecordedFrame | ActualFrame): boolean {
  return frame.kind === 'text' && frameName(frame) === 'status'
}

function statusKey(frame: RecordedFrame | ActualFrame): string {
  const data = (frame as { json: { data?: { status?: { exec_info?: { queue_remaining?: unknown } }, sid?: unknown } } }).json.data
  return `queue_remaining=${String(data?.status?.exec_info?.queue_remaining)}${data?.sid === undefined ? '' : ' (with sid)'}`
}

const IMAGE_TYPE_NAMES: Record<number, string> = { 1: 'JPEG', 2: 'PNG' }

function compareFrame(c: Comparison, expected: RecordedFrame, actual: ActualFrame, scope: string, ids: Map<string, string>): void {
  const name = frameName(expected)
  if (name !== frameName(actual)) {
    c.report(`${scope} ${name}`, 'type', `recorded ${name}, got ${frameName(actual)}`)
    return
  }
  const at = `${scope} ${name}`
  if (expected.kind === 'text' && actual.kind === 'text') {
    c.value(mapDeep(expected.json, ids), actual.json, at)
  }
  else if (expected.kind === 'closed' && actual.kind === 'closed') {
    // A close the client started has no status code in the recording; `ws` reports that as 1005.
    const code = expected.close_code ?? 1005
    if (code !== actual.code)
      c.report(`${at} :: close_code`, 'value', `recorded ${expected.close_code}, got ${actual.code}`)
  }
  else if (expected.kind === 'binary' && actual.kind === 'binary') {
    const d = actual.decoded
    const e = expected.decoded ?? {}
    if (d.event === 'PREVIEW_IMAGE')
      c.value(e.image_type, IMAGE_TYPE_NAMES[d.imageType] ?? String(d.imageType), at, 'image_type')
    else if (d.event === 'TEXT')
      c.value({ node_id: e.node_id, text: e.text }, { node_id: d.nodeId, text: d.text }, at)
    else if (d.event === 'PREVIEW_IMAGE_WITH_METADATA')
      c.value(mapDeep(e.metadata, ids), d.metadata, at, 'metadata')
  }
}

/**
 * Compare a replay with its recording and list the differences that no allowance covers.
 * Per socket, frames are compared in order, except `status` broadcasts, which are compared as a multiset: ComfyUI sends
 * them from the HTTP handler and the worker thread, so where they fall among the other messages is a race there too.
 */
export function compareReplay(result: ReplayResult, allowances: readonly Allowance[] = []): string[] {
  const c = new Comparison(allowances)
  const ids = new Map(result.ids)
  for (const socket of result.sockets) {
    // A socket opened without a clientId gets a made-up sid.
    const first = socket.recorded[0]
    const firstActual = socket.actual[0]
    if (!/clientId=/.test(socket.path) && first?.kind === 'text' && firstActual?.kind === 'text') {
      const rs = (first.json.data as { sid?: unknown } | undefined)?.sid
      const as = (firstActual.json as { data?: { sid?: unknown } }).data?.sid
      if (typeof rs === 'string' && typeof as === 'string')
        ids.set(rs, as)
    }
  }
  for (const [i, { recorded, actual }] of result.http.entries()) {
    const scope = `http #${i} ${recorded.request.method} ${templatePath(recorded.request.path)}`
    if ('error' in actual) {
      c.differences.push(`${scope}: request failed: ${actual.error}`)
      continue
    }
    const r = recorded.response
    if (r.status !== actual.status)
      c.report(`${scope} :: status`, 'value', `recorded ${r.status}, got ${actual.status}`)
    if (r.content_type !== actual.contentType)
      c.report(`${scope} :: content_type`, 'value', `recorded ${r.content_type}, got ${actual.contentType}`)
    if (r.json !== undefined) {
      const expected = mapDeep(r.json, ids)
      c.value(expected, actual.json, scope)
      // Same JSON value, same bytes: proves Python's separators and float formatting.
      if (typeof r.content_length === 'number' && deepEqual(expected, actual.json) && r.content_length !== actual.contentLength)
        c.report(`${scope} :: content_length`, 'value', `recorded ${r.content_length} bytes, got ${actual.contentLength}`)
    }
    else if (r.text !== undefined) {
      c.value(r.text, actual.text, scope, 'text')
    }
    else if (r.content_length === 0 && actual.bytes !== 0) {
      c.report(`${scope} :: body`, 'length', `recorded an empty body, got ${actual.bytes} bytes`)
    }
    if (r.content_disposition !== undefined && r.content_disposition !== actual.contentDisposition)
      c.report(`${scope} :: content_disposition`, 'value', `recorded ${r.content_disposition}, got ${actual.contentDisposition}`)
  }
  for (const socket of result.sockets) {
    const scope = `ws ${socket.label}`
    const rs = socket.recorded.filter(f => !isStatus(f))
    const as = socket.actual.filter(f => !isStatus(f))
    const names = (list: (RecordedFrame | ActualFrame)[]): string => list.map(frameName).join(', ')
    if (rs.length !== as.length)
      c.report(`${scope} :: frames`, 'length', `recorded ${rs.length} non-status frames [${names(rs)}], got ${as.length} [${names(as)}]`)
    for (let i = 0; i < Math.min(rs.length, as.length); i++)
      compareFrame(c, rs[i] as RecordedFrame, as[i] as ActualFrame, `${scope} #${i}`, ids)
    const statuses = socket.recorded.filter(isStatus)
    const actualStatuses = socket.actual.filter(isStatus)
    const expectedKeys = statuses.map(statusKey).sort()
    const actualKeys = actualStatuses.map(statusKey).sort()
    if (expectedKeys.join() !== actualKeys.join())
      c.report(`${scope} :: status`, 'value', `recorded status messages [${expectedKeys.join('; ')}], got [${actualKeys.join('; ')}]`)
    const firstStatus = statuses[0]
    const firstActual = actualStatuses[0]
    if (firstStatus && firstActual)
      compareFrame(c, firstStatus, firstActual, `${scope} connect`, ids)
  }
  for (const timeout of result.syncTimeouts)
    c.differences.push(`sync: ${timeout}`)
  return c.differences
}
