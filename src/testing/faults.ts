import type { MalformedFrameKind } from './types'

/** The malformed-frame kinds, for validation of control calls. */
export const MALFORMED_KINDS: readonly MalformedFrameKind[] = ['invalid-json', 'unknown-type', 'missing-data', 'bad-binary', 'truncated-binary']

/** The payload of each malformed frame kind. */
export function malformedPayload(kind: MalformedFrameKind): string | Buffer {
  switch (kind) {
    case 'invalid-json': return '{"type": "status", "data": {'
    case 'unknown-type': return '{"type": "sim_unknown_event", "data": {"detail": "not a ComfyUI message type"}}'
    case 'missing-data': return '{"type": "executing"}'
    // An event type ComfyUI never sends, then a few bytes.
    case 'bad-binary': return Buffer.from([0x00, 0x00, 0x00, 0x63, 0x00, 0x00, 0x00, 0x01, 0xDE, 0xAD])
    // A type-4 preview cut inside its metadata-length field.
    case 'truncated-binary': return Buffer.from([0x00, 0x00, 0x00, 0x04, 0x00, 0x00])
  }
}

/** Does `path` (as requested, or without its `/api` prefix) start with `route`? */
export function routeMatches(path: string, route: string): boolean {
  return path.startsWith(route) || (path.startsWith('/api/') && path.slice(4).startsWith(route))
}

/** HTTP fault rules: delays by route prefix and queued failures. */
export class HttpFaults {
  readonly delays = new Map<string, number>()
  readonly failures: { route: string, remaining: number, status: number }[] = []

  setDelay(ms: number, route = ''): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`[comfy-tether] delayResponses: ms must be a number >= 0, got ${ms}`)
    if (ms === 0) {
      if (route === '')
        this.delays.clear()
      else
        this.delays.delete(route)
    }
    else {
      this.delays.set(route, ms)
    }
  }

  addFailure(route: string, count: number, status = 500): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`[comfy-tether] failNext: count must be an integer >= 0, got ${count}`)
    if (!Number.isInteger(status) || status < 100 || status > 599)
      throw new RangeError(`[comfy-tether] failNext: status must be an HTTP status code, got ${status}`)
    if (count > 0)
      this.failures.push({ route, remaining: count, status })
  }

  /** The delay for `path` (the longest of the matching rules). */
  delayFor(path: string): number {
    let ms = 0
    for (const [route, delay] of this.delays) {
      if (routeMatches(path, route))
        ms = Math.max(ms, delay)
    }
    return ms
  }

  /** Consume a failure for `path`, if one is queued: its status. */
  takeFailure(path: string): number | null {
    const rule = this.failures.find(f => routeMatches(path, f.route))
    if (!rule)
      return null
    rule.remaining--
    if (rule.remaining <= 0)
      this.failures.splice(this.failures.indexOf(rule), 1)
    return rule.status
  }

  clear(): void {
    this.delays.clear()
    this.failures.length = 0
  }
}
