import type { LockEvent } from '../../src/index'
import { describe, expect, it } from 'vitest'
import { foldLog } from '../../playground/log-fold'

// The playground's lock log folds the repeats of an outage (a failed reconcile every interval, a socket close every
// reconnect attempt) into one line with a count, without hiding the order of the events that matter.

const A = 'http://127.0.0.1:8188'
const B = 'http://127.0.0.1:8189'
const failed = (at: number, server = A): LockEvent => ({ at, kind: 'reconcile', server, code: 'SERVER_UNREACHABLE', message: `reconcile with ${server} failed (socket down): GET /queue got no answer after ${at} ms` })
const closed = (at: number, attempt: number): LockEvent => ({ at, kind: 'socket-closed', server: A, message: `socket to ${A} closed (code 1006, attempt ${attempt}); holding the lock: 1 task(s) pending` })

describe('playground lock log folding', () => {
  it('shows a run of failed reconciles as one line with its count, its first time and the newest message', () => {
    const lines = foldLog([failed(1000), closed(1100, 1), failed(2000), closed(2100, 2), failed(3000)])
    expect(lines.map(l => [l.entry.kind, l.count, l.firstAt, l.entry.at, l.failed])).toEqual([
      ['reconcile', 3, 1000, 3000, true],
      ['socket-closed', 2, 1100, 2100, false],
    ])
    expect(lines[0]?.entry.message).toContain('after 3000 ms')
  })

  it('starts a new line after another kind of event, and keeps servers and successful reconciles apart', () => {
    const outage: LockEvent = { at: 2500, kind: 'outage', server: A, message: `${A} is unreachable` }
    const ok: LockEvent = { at: 5000, kind: 'reconcile', server: A, message: `reconciled 1 task(s) with ${A}: 0 ended` }
    const lines = foldLog([failed(1000), failed(2000), outage, failed(3000), failed(3100, B), failed(4000), ok, { ...ok, at: 6000 }])
    expect(lines.map(l => [l.entry.kind, l.entry.server === B ? 'B' : 'A', l.count])).toEqual([
      ['reconcile', 'A', 2],
      ['outage', 'A', 1],
      ['reconcile', 'A', 2],
      ['reconcile', 'B', 1],
      ['reconcile', 'A', 1],
      ['reconcile', 'A', 1],
    ])
    expect(new Set(lines.map(l => l.key)).size, 'one key per line').toBe(lines.length)
  })
})
