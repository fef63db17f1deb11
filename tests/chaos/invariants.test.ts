// The chaos invariants on hand-made inputs: what counts as a prompt sent twice.
import type { SimulatorRequest } from '../../src/testing/index'
import type { FaultRecord, InvariantInput, TaskRecord } from './invariants'
import { describe, expect, it } from 'vitest'
import { checkInvariants } from './invariants'

const SERVER = 'http://127.0.0.1:1'
const ID = '00000000-0000-4000-8000-000000000001'

function post(seq: number, time: number, status?: number): SimulatorRequest {
  return { seq, time, kind: 'http', method: 'POST', path: '/prompt', promptIds: [ID], server: SERVER, status, headers: { 'x-chaos-client': 'c0', 'x-chaos-sent': String(time) } }
}

function restartAt(at: number): FaultRecord {
  return { id: 1, kind: 'restart', sim: 0, afterSubmitted: 1, durationMs: 50, server: SERVER, startedAt: at, effectiveAt: at + 50, endedAt: at + 50, affected: [], recoveryMs: null } as unknown as FaultRecord
}

function input(requests: SimulatorRequest[], faults: FaultRecord[]): InvariantInput {
  const record: TaskRecord = { index: 0, client: 0, promptId: ID, server: SERVER, workflow: 'empty', createdAt: 900, states: [], outcome: { at: 3000, state: 'succeeded', server: SERVER, images: 1, imageUrls: [`${SERVER}/view?filename=a.png`], outputNodes: ['2'], code: null, reason: null, settles: 1 } }
  return {
    sims: [{ url: SERVER, requests }],
    records: [record],
    ledger: new Map([[ID, record]]),
    clients: [{ timeline: { index: 0, clientId: 'c', locks: [], held: [] }, lock: null, pendingCount: 0, log: [], tasks: [{ promptId: ID, state: 'succeeded', server: SERVER }] }],
    faults,
    maxOutage: 4000,
    socketViolations: [],
  }
}

const duplicates = (i: InvariantInput): number => checkInvariants(i).invariants.find(x => x.name === 'prompt ids sent more than once')!.value

describe('prompt ids sent more than once', () => {
  it('counts a prompt POSTed twice to a server that answered the first', () => {
    expect(duplicates(input([post(1, 1000, 200), post(2, 2000, 200)], []))).toBe(1)
  })

  it('counts a second POST after an unanswered first when the server did not restart in between', () => {
    expect(duplicates(input([post(1, 1000), post(2, 2000, 200)], [restartAt(2500)]))).toBe(1)
  })

  it('does not count the resend of a POST that a restart cut off before it was answered', () => {
    // The documented resend: the client never heard of the prompt, the server forgot it when it restarted, and the
    // client found it on neither /queue nor /history; the first POST never reached an answer.
    expect(duplicates(input([post(1, 1000), post(2, 2000, 200)], [restartAt(1500)]))).toBe(0)
  })
})
