import type { ComfyMessage, ComfyMessageType } from '../../src/core/protocol'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { MAX_TEXT_FRAME_BYTES, parseMessage } from '../../src/core/protocol'

// Recorded transcripts of real ComfyUI servers (tests/fixtures/comfyui; format: PROTOCOL.md there).
const REFERENCE = new URL('../fixtures/comfyui/', import.meta.url)
const VERSIONS = ['v0.33.0-783545f-cpu', 'v0.3.44-c5de495-cpu'] as const

interface TranscriptEvent {
  ws?: string
  action?: string
  sent?: unknown
  frame?: { kind: string, json?: unknown }
}

function loadTranscripts(version: string): { file: string, events: TranscriptEvent[] }[] {
  const dir = new URL(`${version}/`, REFERENCE)
  const files = readdirSync(dir).filter(f => /^\d\d_.*\.json$/.test(f)).sort()
  if (files.length === 0)
    throw new Error(`No transcript files in ${fileURLToPath(dir)}.`)
  return files.map(file => ({ file, events: (JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { events: TranscriptEvent[] }).events }))
}

function textFrames(events: TranscriptEvent[]): { type: string, json: unknown }[] {
  return events
    .filter(e => e.frame?.kind === 'text')
    .map(e => ({ type: (e.frame?.json as { type: string }).type, json: e.frame?.json }))
}

const KNOWN: ReadonlySet<string> = new Set<ComfyMessageType>([
  'status',
  'execution_start',
  'execution_cached',
  'executing',
  'progress',
  'progress_state',
  'executed',
  'execution_success',
  'execution_error',
  'execution_interrupted',
  'feature_flags',
])

function parsed(raw: string): ComfyMessage {
  const result = parseMessage(raw)
  if (!result.ok)
    throw new Error(`expected ${raw.slice(0, 80)} to parse, got: ${result.reason}`)
  return result.value
}

describe('parseMessage', () => {
  describe.each(VERSIONS)('with the recorded frames of %s', (version) => {
    const transcripts = loadTranscripts(version)

    it.each(transcripts.map(t => [t.file, t.events] as const))('parses every text frame of %s with its own type', (_file, events) => {
      for (const { type, json } of textFrames(events)) {
        const result = parseMessage(JSON.stringify(json))
        expect(result, `${type}: ${JSON.stringify(json).slice(0, 200)}`).toEqual({ ok: true, value: json })
        if (result.ok)
          expect(result.value.type).toBe(KNOWN.has(type) ? type : 'unknown')
      }
    })

    it('knows every message type the server sent, so none comes out as unknown', () => {
      const frames = transcripts.flatMap(t => textFrames(t.events))
      expect(frames.length).toBeGreaterThan(100)
      const types = new Set(frames.map(f => f.type))
      expect([...types].filter(t => !KNOWN.has(t))).toEqual([])
      expect(frames.filter(f => parsed(JSON.stringify(f.json)).type === 'unknown')).toEqual([])
    })

    it('parses the feature_flags message a client sends', () => {
      const sent = transcripts.flatMap(t => t.events).filter(e => e.action === 'send').map(e => e.sent)
      expect(sent.length).toBeGreaterThan(0)
      for (const message of sent)
        expect(parsed(JSON.stringify(message)).type).toBe('feature_flags')
    })

    it('keeps the executing replay after a reconnect, which has no prompt_id', () => {
      const replay = transcripts.find(t => t.file.startsWith('12_'))?.events
        .filter(e => e.ws?.startsWith('X2') && e.frame?.kind === 'text')
        .map(e => parsed(JSON.stringify(e.frame?.json)))
        .find(m => m.type === 'executing')
      expect(replay).toEqual({ type: 'executing', data: { node: '2' } })
      if (replay?.type === 'executing')
        expect(replay.data.prompt_id).toBeUndefined()
    })
  })

  it('narrows data by type', () => {
    const message = parsed('{"type":"progress","data":{"value":1,"max":4,"prompt_id":"p","node":"3"}}')
    if (message.type !== 'progress')
      throw new Error('not progress')
    expectTypeOf(message.data.value).toEqualTypeOf<number>()
    expect(message.data.value / message.data.max).toBe(0.25)
  })

  it('keeps the executed output images and other output keys', () => {
    const message = parsed('{"type":"executed","data":{"node":"4","output":{"images":[{"filename":"a.png","subfolder":"","type":"output"}],"text":["hi"]},"prompt_id":"p"}}')
    expect(message.type === 'executed' && message.data.output?.images?.[0]?.filename).toBe('a.png')
    expect(message.type === 'executed' && message.data.output?.text).toEqual(['hi'])
  })

  it('accepts executed with output: null (a node without UI output) as a valid frame', () => {
    expect(parsed('{"type":"executed","data":{"node":"4","display_node":"4","output":null,"prompt_id":"p"}}')).toEqual({ type: 'executed', data: { node: '4', display_node: '4', output: null, prompt_id: 'p' } })
  })

  it('checks a progress_state node on what the engine reads: ids it does not read pass as sent', () => {
    const nodes = { 3: { value: 1, max: 4, state: 'running', node_id: 3, prompt_id: null, display_node_id: '3', parent_node_id: 7 } }
    expect(parsed(JSON.stringify({ type: 'progress_state', data: { prompt_id: 'p', nodes } }))).toEqual({ type: 'progress_state', data: { prompt_id: 'p', nodes } })
    const shown = parseMessage(JSON.stringify({ type: 'progress_state', data: { prompt_id: 'p', nodes: { 3: { ...nodes[3], display_node_id: 3 } } } }))
    expect(shown).toEqual({ ok: false, reason: 'progress_state.nodes["3"].display_node_id is not a string' })
  })

  it('names the progress_state node that is malformed, among well-formed ones (integer and other ids)', () => {
    const good = { value: 1, max: 1, state: 'finished' }
    const frame = (bad: unknown): string => JSON.stringify({ type: 'progress_state', data: { prompt_id: 'p', nodes: { '2': good, '10': bad, '7:1': good } } })
    expect(parseMessage(frame('x'))).toEqual({ ok: false, reason: 'progress_state.nodes["10"] is not an object' })
    expect(parseMessage(frame({ ...good, max: '1' }))).toEqual({ ok: false, reason: 'progress_state.nodes["10"].value/max is not a number' })
    expect(parseMessage(frame({ ...good, state: 'done' }))).toEqual({ ok: false, reason: 'progress_state.nodes["10"].state is not pending, running, finished or error' })
    const lastBad = JSON.stringify({ type: 'progress_state', data: { prompt_id: 'p', nodes: { '2': good, '7:1': null } } })
    expect(parseMessage(lastBad)).toEqual({ ok: false, reason: 'progress_state.nodes["7:1"] is not an object' })
  })

  it('accepts the legacy end marker executing {node: null}', () => {
    expect(parsed('{"type":"executing","data":{"node":null,"prompt_id":"p"}}')).toEqual({ type: 'executing', data: { node: null, prompt_id: 'p' } })
  })

  it.each([
    ['crystools.monitor', '{"cpu_utilization":3}'],
    ['VHS_latentpreview', '[1,2]'],
    ['custom', 'null'],
    ['custom', '"text"'],
    ['unknown', '{}'],
    ['constructor', '{}'],
    ['__proto__', '{}'],
    ['toString', '7'],
  ])('returns the well-formed message of unknown type %s (data %s) as unknown', (type, data) => {
    expect(parseMessage(`{"type":${JSON.stringify(type)},"data":${data}}`))
      .toEqual({ ok: true, value: { type: 'unknown', originalType: type, data: JSON.parse(data) as unknown } })
  })

  const PID = '"prompt_id":"p"'
  it.each([
    ['invalid JSON', '{"type":"status",', /invalid JSON/],
    ['an empty string', '', /invalid JSON/],
    ['plain text', 'hello', /invalid JSON/],
    ['a JSON array', '[{"type":"status","data":{}}]', /not a JSON object.*array/],
    ['JSON null', 'null', /not a JSON object.*null/],
    ['a JSON number', '42', /not a JSON object.*number/],
    ['a JSON string', '"status"', /not a JSON object.*string/],
    ['a message without type', '{"data":{}}', /no type/],
    ['a numeric type', '{"type":1,"data":{}}', /type is not a string/],
    ['a message without data', '{"type":"progress"}', /progress message has no data/],
    ['an unknown type without data', '{"type":"custom.thing"}', /custom\.thing message has no data/],
    ['a very long type without data', `{"type":"${'t'.repeat(5000)}"}`, /^t{60}… message has no data$/],
    ['a known type with null data', '{"type":"progress","data":null}', /progress\.data is not an object/],
    ['a known type with array data', '{"type":"executing","data":["3"]}', /executing\.data is not an object/],
    ['progress with a string value', `{"type":"progress","data":{"value":"1","max":4,${PID}}}`, /progress\.value is not a number/],
    ['progress without max', `{"type":"progress","data":{"value":1,${PID}}}`, /progress\.max is not a number/],
    ['progress with a numeric prompt_id', '{"type":"progress","data":{"value":1,"max":4,"prompt_id":7}}', /progress\.prompt_id is not a string/],
    ['progress with a numeric node', `{"type":"progress","data":{"value":1,"max":4,${PID},"node":3}}`, /progress\.node is not a string/],
    ['executing with a numeric node', `{"type":"executing","data":{"node":3,${PID}}}`, /executing\.node is not a string or null/],
    ['executing without node', `{"type":"executing","data":{${PID}}}`, /executing\.node/],
    ['executing with a numeric prompt_id', '{"type":"executing","data":{"node":"3","prompt_id":1}}', /executing\.prompt_id is not a string/],
    ['status without exec_info', '{"type":"status","data":{"status":{}}}', /exec_info is not an object/],
    ['status with a string queue_remaining', '{"type":"status","data":{"status":{"exec_info":{"queue_remaining":"1"}}}}', /queue_remaining is not a number/],
    ['execution_start without prompt_id', '{"type":"execution_start","data":{"timestamp":1}}', /execution_start\.prompt_id is not a string/],
    ['execution_success with a string timestamp', `{"type":"execution_success","data":{${PID},"timestamp":"now"}}`, /execution_success\.timestamp is not a number/],
    ['execution_cached with numeric node ids', `{"type":"execution_cached","data":{"nodes":[1],${PID}}}`, /execution_cached\.nodes is not a list of node ids/],
    ['executed without output', `{"type":"executed","data":{"node":"4",${PID}}}`, /executed\.output is not an object/],
    ['executed with images not a list', `{"type":"executed","data":{"node":"4","output":{"images":{}},${PID}}}`, /executed\.output\.images is not an array/],
    ['executed with an image without filename', `{"type":"executed","data":{"node":"4","output":{"images":[{"subfolder":"","type":"output"}]},${PID}}}`, /executed\.output\.images\[0\] is not an image reference/],
    ['executed without prompt_id', '{"type":"executed","data":{"node":"4","output":{}}}', /executed\.prompt_id is not a string/],
    ['progress_state with a string node value', `{"type":"progress_state","data":{${PID},"nodes":{"3":{"value":"1","max":1,"state":"running","node_id":"3",${PID}}}}}`, /progress_state\.nodes\["3"\]\.value\/max is not a number/],
    ['progress_state with an unknown node state', `{"type":"progress_state","data":{${PID},"nodes":{"3":{"value":1,"max":1,"state":"sleeping","node_id":"3",${PID}}}}}`, /state is not pending, running, finished or error/],
    ['progress_state without nodes', `{"type":"progress_state","data":{${PID}}}`, /progress_state\.nodes is not an object/],
    ['execution_error with a string traceback', `{"type":"execution_error","data":{${PID},"node_id":"2","node_type":"T","exception_type":"E","exception_message":"m","traceback":"x"}}`, /execution_error\.traceback is not a list of strings/],
    ['execution_error without node_id', `{"type":"execution_error","data":{${PID},"node_type":"T","exception_type":"E","exception_message":"m","traceback":[]}}`, /execution_error\.node_id is not a string/],
    ['execution_interrupted without node_id', `{"type":"execution_interrupted","data":{${PID},"node_type":"T"}}`, /execution_interrupted\.node_id is not a string/],
    ['feature_flags with array data', '{"type":"feature_flags","data":[]}', /feature_flags\.data is not an object/],
    ['feature_flags with a string flag', '{"type":"feature_flags","data":{"supports_preview_metadata":"yes"}}', /feature_flags\.supports_preview_metadata is not a boolean/],
  ])('refuses %s', (_name, raw, reason) => {
    const result = parseMessage(raw)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.reason).toMatch(reason)
      expect(result.reason.length).toBeLessThan(200)
    }
  })

  it.each([undefined, null, 42, new Uint8Array(4), {}])('refuses a non-text frame %o without throwing', (value) => {
    const result = parseMessage(value as unknown as string)
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/frame is not text/) as unknown })
  })

  describe('size limit', () => {
    const wrap = (padding: string) => `{"type":"custom","data":"${padding}"}`
    const overhead = wrap('').length

    it('refuses a frame longer than MAX_TEXT_FRAME_BYTES', () => {
      const result = parseMessage(wrap('a'.repeat(MAX_TEXT_FRAME_BYTES)))
      expect(result).toEqual({ ok: false, reason: expect.stringMatching(/larger than MAX_TEXT_FRAME_BYTES/) as unknown })
    })

    it('counts UTF-8 bytes, not characters', () => {
      // 2 bytes per "é": fewer characters than the limit, more bytes.
      const raw = wrap('é'.repeat(MAX_TEXT_FRAME_BYTES / 2))
      expect(raw.length).toBeLessThan(MAX_TEXT_FRAME_BYTES)
      expect(parseMessage(raw)).toEqual({ ok: false, reason: expect.stringMatching(/larger than MAX_TEXT_FRAME_BYTES/) as unknown })
      // 4 bytes per emoji (one surrogate pair, two characters)
      const emoji = wrap('😀'.repeat(MAX_TEXT_FRAME_BYTES / 4))
      expect(parseMessage(emoji).ok).toBe(false)
    })

    it('accepts a frame of exactly MAX_TEXT_FRAME_BYTES', () => {
      const ascii = parseMessage(wrap('a'.repeat(MAX_TEXT_FRAME_BYTES - overhead)))
      expect(ascii.ok && ascii.value.type).toBe('unknown')
      const multibyte = parseMessage(wrap(`${'é'.repeat((MAX_TEXT_FRAME_BYTES - overhead) / 2 - 1)}ab`))
      expect(multibyte.ok).toBe(true)
    })
  })

  it('never throws on truncated or corrupted recorded frames', () => {
    const samples = VERSIONS.flatMap(v => loadTranscripts(v).flatMap(t => textFrames(t.events)))
      .filter((f, i, all) => all.findIndex(g => g.type === f.type) === i)
      .map(f => JSON.stringify(f.json))
    let seed = 12345
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    let failures = 0
    for (const raw of samples) {
      for (let cut = 0; cut < raw.length; cut += Math.max(1, Math.floor(raw.length / 200))) {
        const result = parseMessage(raw.slice(0, cut))
        expect(result.ok).toBe(false)
        failures++
      }
      for (let i = 0; i < 200; i++) {
        const at = Math.floor(random() * raw.length)
        const corrupted = raw.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + raw.slice(at + 1)
        const result = parseMessage(corrupted)
        expect(typeof result.ok).toBe('boolean')
        if (!result.ok)
          expect(result.reason).not.toBe('')
      }
    }
    expect(failures).toBeGreaterThan(1000)
  })
})
