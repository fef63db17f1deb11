import type { ReplayResult } from '../../src/testing/replay'
import { describe, expect, it } from 'vitest'
import { textFrame } from '../../src/testing/binary-frames'
import { decodeBinaryFrame } from '../../src/testing/index'
import { pyFloat, pyJson } from '../../src/testing/py-json'
import { compareReplay } from '../../src/testing/shape-compare'

const ID = '7dac16d4-f1b2-40b5-96f7-e0b28f2f5983'
const MINE = '11111111-2222-4333-8444-555555555555'

function result(overrides: { json?: unknown, status?: number, frames?: ReplayResult['sockets'][number]['actual'] } = {}): ReplayResult {
  const recordedJson = { [ID]: { status: { status_str: 'success', completed: true }, outputs: { 4: { images: [{ filename: 'a_00001_.png' }] } } } }
  return {
    ids: new Map([[ID, MINE]]),
    syncTimeouts: [],
    http: [{
      recorded: { request: { method: 'GET', path: `/history/${ID}` }, response: { status: 200, content_type: 'application/json; charset=utf-8', content_length: 99, json: recordedJson } },
      actual: { status: overrides.status ?? 200, contentType: 'application/json; charset=utf-8', contentLength: 99, contentDisposition: null, bytes: 99, json: overrides.json ?? JSON.parse(JSON.stringify(recordedJson).replace(ID, MINE)) },
    }],
    sockets: [{
      label: 'A',
      path: '/ws?clientId=a',
      recorded: [
        { kind: 'text', json: { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'a' } } },
        { kind: 'text', json: { type: 'executing', data: { node: '2', prompt_id: ID } } },
        { kind: 'binary', length: 17, u32be: [3, 1], decoded: { event: 'TEXT', node_id: '2', text: 'step 1/4' } },
        { kind: 'closed', close_code: null },
      ],
      actual: overrides.frames ?? [
        { kind: 'text', json: { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'a' } }, at: 0 },
        { kind: 'text', json: { type: 'executing', data: { node: '2', prompt_id: MINE } }, at: 1 },
        { kind: 'binary', length: 17, decoded: decodeBinaryFrame(textFrame('2', 'step 1/4')), at: 2 },
        { kind: 'closed', code: 1005, at: 3 },
      ],
    }],
  }
}

describe('compareReplay', () => {
  it('finds nothing when only ids differ', () => {
    expect(compareReplay(result())).toEqual([])
  })

  it('reports a wrong status, a missing key and a changed value', () => {
    const diffs = compareReplay(result({ status: 404, json: { [MINE]: { status: { status_str: 'error' }, outputs: { 4: { images: [{ filename: 'a_00001_.png' }] } } } } }))
    expect(diffs).toEqual([
      'http #0 GET /history/{id} :: status: recorded 200, got 404',
      `http #0 GET /history/{id} :: ${MINE}.status: missing keys completed`,
      `http #0 GET /history/{id} :: ${MINE}.status.status_str: recorded "success", got "error"`,
    ])
  })

  it('reports frames out of order, a wrong text frame and a wrong close code', () => {
    const diffs = compareReplay(result({
      frames: [
        { kind: 'text', json: { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'a' } }, at: 0 },
        { kind: 'binary', length: 17, decoded: decodeBinaryFrame(textFrame('2', 'step 2/4')), at: 1 },
        { kind: 'text', json: { type: 'executing', data: { node: '2' } }, at: 2 },
        { kind: 'closed', code: 1006, at: 3 },
      ],
    }))
    expect(diffs).toEqual([
      'ws A #0 executing: recorded executing, got binary:TEXT',
      'ws A #1 binary:TEXT: recorded binary:TEXT, got executing',
      'ws A #2 closed :: close_code: recorded null, got 1006',
    ])
  })

  it('lets a named allowance cover a deliberate difference, and nothing else', () => {
    const changed = result({ json: { [MINE]: { status: { status_str: 'success', completed: true }, outputs: { 4: { images: [{ filename: 'b_00001_.png' }] } } } } })
    expect(compareReplay(changed, [{ where: /filename$/, kinds: ['value'], reason: 'test' }])).toEqual([])
    expect(compareReplay(changed, [{ where: /filename$/, kinds: ['length'], reason: 'test' }])).toHaveLength(1)
  })

  it('compares status broadcasts per socket as a multiset', () => {
    const base = result()
    const socket = base.sockets[0]
    if (!socket)
      throw new Error('no socket')
    socket.recorded.splice(2, 0, { kind: 'text', json: { type: 'status', data: { status: { exec_info: { queue_remaining: 1 } } } } })
    socket.actual.splice(1, 0, { kind: 'text', json: { type: 'status', data: { status: { exec_info: { queue_remaining: 1 } } } }, at: 0 })
    expect(compareReplay(base)).toEqual([])
    socket.actual.splice(1, 1)
    expect(compareReplay(base)).toEqual(['ws A :: status: recorded status messages [queue_remaining=0 (with sid); queue_remaining=1], got [queue_remaining=0 (with sid)]'])
  })
})

describe('pyJson', () => {
  it('writes JSON as Python json.dumps does', () => {
    expect(pyJson({ a: [1, pyFloat(2), 'é'], b: null, c: { d: true } })).toBe('{"a": [1, 2.0, "\\u00e9"], "b": null, "c": {"d": true}}')
    expect(pyJson({ queue_running: [], queue_pending: [] })).toHaveLength(42)
  })
})
