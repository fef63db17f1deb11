import type { HistoryEntry, QueueItem } from '../../src/core/api-types'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { collectOutputImages, historyOutcome, parseHistory } from '../../src/core/history-parsers'
import { isComfyImageRef } from '../../src/core/json-checks'
import {
  parseFeatures,
  parseJob,
  parseJobList,
  parsePromptAccepted,
  parsePromptError,
  parseQueue,
  parseQueueRemaining,
  parseSystemStats,
  parseUploadResult,
} from '../../src/core/rest-parsers'

// Recorded transcripts of real ComfyUI servers (tests/fixtures/comfyui; format: PROTOCOL.md there).
const REFERENCE = new URL('../fixtures/comfyui/', import.meta.url)
const VERSIONS = ['v0.33.0-783545f-cpu', 'v0.3.44-c5de495-cpu'] as const

interface HttpExchange {
  file: string
  method: string
  path: string
  status: number
  json?: unknown
  text?: string
}

function loadHttp(version: string): HttpExchange[] {
  const dir = new URL(`${version}/`, REFERENCE)
  return readdirSync(dir).filter(f => /^\d\d_.*\.json$/.test(f)).sort().flatMap((file) => {
    const { events } = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
      events: { http?: { request: { method: string, path: string }, response: { status: number, json?: unknown, text?: string } } }[]
    }
    return events.flatMap(e => e.http
      ? [{ file, method: e.http.request.method, path: e.http.request.path, status: e.http.response.status, json: e.http.response.json, text: e.http.response.text }]
      : [])
  })
}

function exchanges(all: HttpExchange[], method: string, path: RegExp, status: number): HttpExchange[] {
  const found = all.filter(x => x.method === method && path.test(x.path) && x.status === status)
  return found
}

function value<T>(result: { ok: true, value: T } | { ok: false, reason: string }): T {
  if (!result.ok)
    throw new Error(`expected ok, got: ${result.reason}`)
  return result.value
}

/** The history entry recorded in scenario `prefix` for its first prompt with a non-empty /history/{id} answer. */
function recordedEntry(all: HttpExchange[], prefix: string): HistoryEntry {
  const x = exchanges(all, 'GET', /^\/history\/[^?]+$/, 200).find(x => x.file.startsWith(prefix) && Object.keys(x.json as object).length > 0)
  if (!x)
    throw new Error(`no history entry recorded in ${prefix}`)
  const id = x.path.slice('/history/'.length)
  const entry = value(parseHistory(x.json, id))
  if (!entry)
    throw new Error(`history of ${prefix} lacks ${id}`)
  return entry
}

describe.each(VERSIONS)('recorded answers of %s', (version) => {
  const http = loadHttp(version)

  it('parses every /history and /history/{id} answer', () => {
    const answers = exchanges(http, 'GET', /^\/history/, 200)
    expect(answers.length).toBeGreaterThan(10)
    let entries = 0
    for (const x of answers) {
      const all = value(parseHistory(x.json))
      entries += Object.keys(all).length
      const id = /^\/history\/([^?]+)$/.exec(x.path)?.[1]
      if (id !== undefined)
        expect(value(parseHistory(x.json, id))).toBe(Object.keys(all).length > 0 ? all[id] : null)
    }
    expect(entries).toBeGreaterThan(5)
  })

  it('gives null for an id the server does not know ({} answer)', () => {
    const unknown = exchanges(http, 'GET', /^\/history\/[^?]+$/, 200).filter(x => Object.keys(x.json as object).length === 0)
    expect(unknown.length).toBeGreaterThan(0)
    for (const x of unknown)
      expect(parseHistory(x.json, x.path.slice('/history/'.length))).toEqual({ ok: true, value: null })
  })

  it('decides succeeded for the full run (04) and the cached re-run (05)', () => {
    for (const prefix of ['04_', '05_']) {
      const outcome = historyOutcome(recordedEntry(http, prefix))
      expect(outcome.state).toBe('succeeded')
      if (outcome.state === 'succeeded')
        expect(collectOutputImages(outcome.outputs)).toEqual([{ filename: 'rc_main_00001_.png', subfolder: '', type: 'output' }])
    }
  })

  it('decides failed with the node error for the raising node (08)', () => {
    const outcome = historyOutcome(recordedEntry(http, '08_'))
    expect(outcome).toMatchObject({ state: 'failed', error: { node_id: '2', node_type: 'TestFail', exception_type: 'RuntimeError', exception_message: 'deliberate failure for the recording\n' } })
    expect(outcome.state === 'failed' && outcome.error.traceback.length).toBeGreaterThan(0)
  })

  it('decides interrupted, at the interrupted node, for the interrupt (09) and the running prompt of 10', () => {
    for (const prefix of ['09_', '10_'])
      expect(historyOutcome(recordedEntry(http, prefix))).toEqual({ state: 'interrupted', nodeId: '2' })
  })

  it('parses every /queue answer into prompt id lists', () => {
    const answers = exchanges(http, 'GET', /^\/queue$/, 200)
    expect(answers.length).toBeGreaterThan(5)
    for (const x of answers) {
      const queue = value(parseQueue(x.json))
      const raw = x.json as { queue_running: QueueItem[], queue_pending: QueueItem[] }
      expect(queue.running).toEqual(raw.queue_running.map(i => i[1]))
      expect(new Set(queue.pending)).toEqual(new Set(raw.queue_pending.map(i => i[1])))
      expect(queue.runningItems).toEqual(raw.queue_running)
    }
    const busy = value(parseQueue(answers.find(x => x.file.startsWith('10_'))?.json))
    expect([busy.running.length, busy.pending.length]).toEqual([1, 1])
    expect(busy.runningItems[0]?.[3].client_id).toMatch(/^[0-9a-f]{32}$/)
  })

  it('parses every GET /prompt answer', () => {
    const answers = exchanges(http, 'GET', /^\/prompt$/, 200)
    expect(answers.length).toBeGreaterThan(0)
    for (const x of answers)
      expect(parseQueueRemaining(x.json)).toEqual({ ok: true, value: (x.json as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining })
  })

  it('parses every accepted POST /prompt answer', () => {
    const answers = exchanges(http, 'POST', /^\/prompt$/, 200)
    expect(answers.length).toBeGreaterThan(10)
    for (const x of answers)
      expect(parsePromptAccepted(x.json)).toEqual({ ok: true, value: x.json })
  })

  it('parses every 400 POST /prompt answer', () => {
    const answers = exchanges(http, 'POST', /^\/prompt$/, 400)
    expect(answers.length).toBeGreaterThan(5)
    const types = new Set<string>()
    for (const x of answers) {
      const body = value(parsePromptError(x.json))
      types.add(body.error.type)
      expect(body.error.message).not.toBe('')
    }
    expect(types).toContain('prompt_outputs_failed_validation')
    expect(types).toContain('no_prompt')
    const validation = answers.map(x => value(parsePromptError(x.json))).find(b => b.node_errors['1']?.class_type === 'ImageInvert')
    expect(validation?.node_errors['1']).toEqual({
      errors: [{ type: 'required_input_missing', message: 'Required input is missing', details: 'image', extra_info: { input_name: 'image' } }],
      dependent_outputs: ['2'],
      class_type: 'ImageInvert',
    })
  })

  it('refuses the 500 text answer of POST /prompt', () => {
    const answers = exchanges(http, 'POST', /^\/prompt$/, 500)
    expect(answers.length).toBeGreaterThan(0)
    for (const x of answers)
      expect(parsePromptError(x.text)).toEqual({ ok: false, reason: expect.stringMatching(/not a JSON object \(got the text "500 Internal Server Error/) as unknown })
  })

  it('parses every upload answer', () => {
    const answers = exchanges(http, 'POST', /^\/upload\/image$/, 200)
    expect(answers.length).toBeGreaterThan(3)
    for (const x of answers)
      expect(parseUploadResult(x.json)).toEqual({ ok: true, value: x.json })
    // Same name, other bytes: the server renames the file.
    expect(answers.map(x => value(parseUploadResult(x.json)).name).filter(n => n.endsWith(' (1).png'))).toHaveLength(1)
  })

  it('parses /system_stats', () => {
    const [x] = exchanges(http, 'GET', /^\/system_stats$/, 200)
    const stats = value(parseSystemStats(x?.json))
    expect(stats.system.comfyui_version).toBe(version.startsWith('v0.33') ? '0.33.0' : '0.3.44')
    expect(stats.devices[0]?.type).toBe('cpu')
  })
})

describe('recorded answers of the 0.33.0 only routes', () => {
  const http = loadHttp(VERSIONS[0])

  it('parses /features', () => {
    const [x] = exchanges(http, 'GET', /^\/features$/, 200)
    expect(value(parseFeatures(x?.json)).supports_preview_metadata).toBe(true)
  })

  it('parses every /api/jobs/{id} answer', () => {
    const answers = exchanges(http, 'GET', /^\/api\/jobs\/[^?]+$/, 200)
    expect(answers.length).toBeGreaterThan(2)
    const statuses = answers.map(x => value(parseJob(x.json)).status)
    expect(statuses).toEqual(expect.arrayContaining(['in_progress', 'completed', 'failed']))
    const failed = answers.map(x => value(parseJob(x.json))).find(j => j.status === 'failed')
    expect(failed?.execution_error?.exception_type).toBe('RuntimeError')
  })

  it('refuses the 404 "Job not found" answer', () => {
    const answers = exchanges(http, 'GET', /^\/api\/jobs\/[^?]+$/, 404)
    expect(answers.length).toBeGreaterThan(0)
    for (const x of answers)
      expect(parseJob(x.json)).toEqual({ ok: false, reason: 'job.id is not a string' })
  })

  it('parses every /api/jobs list', () => {
    const answers = exchanges(http, 'GET', /^\/api\/jobs(\?.*)?$/, 200)
    expect(answers.length).toBeGreaterThan(0)
    const statuses = answers.flatMap(x => value(parseJobList(x.json)).jobs.map(j => j.status))
    expect(statuses).toEqual(expect.arrayContaining(['pending', 'in_progress', 'cancelled', 'failed']))
  })

  it('refuses the 0.3.44 404 text for /features', () => {
    const [x] = exchanges(loadHttp(VERSIONS[1]), 'GET', /^\/features$/, 404)
    expect(parseFeatures(x?.text)).toEqual({ ok: false, reason: 'features is not a JSON object (got the text "404: Not Found")' })
  })
})

const item = (n: number, id: string): QueueItem => [n, id, {}, { client_id: 'c' }, ['9']]

describe('parseQueue', () => {
  it('orders pending prompts by queue number, which is run order', () => {
    const queue = value(parseQueue({ queue_running: [item(3, 'r')], queue_pending: [item(5, 'e'), item(-1, 'front'), item(4, 'd')] }))
    expect(queue.pending).toEqual(['front', 'd', 'e'])
    expect(queue.pendingItems.map(i => i[0])).toEqual([-1, 4, 5])
    expect(queue.running).toEqual(['r'])
  })
})

describe('parsePromptError and parsePromptAccepted', () => {
  it('reads the pre-2023 form {"error": "no prompt", "node_errors": []}', () => {
    expect(parsePromptError({ error: 'no prompt', node_errors: [] })).toEqual({
      ok: true,
      value: { error: { type: 'error', message: 'no prompt', details: '', extra_info: {} }, node_errors: {} },
    })
  })

  it('drops a null class_type instead of refusing the answer', () => {
    const body = value(parsePromptError({ error: { type: 't', message: 'm' }, node_errors: { 1: { errors: [{ type: 'x', message: 'y' }], class_type: null } } }))
    expect(body.node_errors['1']).toEqual({ errors: [{ type: 'x', message: 'y', details: '' }] })
    expect(body.error).toEqual({ type: 't', message: 'm', details: '', extra_info: {} })
  })

  it('keeps node errors of an accepted prompt with some failed outputs', () => {
    const accepted = value(parsePromptAccepted({ prompt_id: 'p', number: 1, node_errors: { 5: { errors: [{ type: 'x', message: 'y', details: 'z' }], dependent_outputs: ['5'], class_type: 'SaveImage' } } }))
    expect(accepted.node_errors['5']?.class_type).toBe('SaveImage')
  })
})

describe('historyOutcome', () => {
  const base = { prompt: item(0, 'p'), outputs: {} }

  it('says running while the entry has no status', () => {
    expect(historyOutcome(base)).toEqual({ state: 'running' })
  })

  it('says running for an incomplete success', () => {
    expect(historyOutcome({ ...base, status: { status_str: 'success', completed: false, messages: [] } })).toEqual({ state: 'running' })
  })

  it('says failed for an error status without an execution_error message', () => {
    expect(historyOutcome({ ...base, status: { status_str: 'error', completed: false, messages: [['execution_start', {}]] } }))
      .toMatchObject({ state: 'failed', error: { exception_type: 'UnknownError' } })
  })

  it('says interrupted without a node id when the message has none', () => {
    expect(historyOutcome({ ...base, status: { status_str: 'error', completed: false, messages: [['execution_interrupted', {}]] } }))
      .toEqual({ state: 'interrupted' })
  })
})

describe('collectOutputImages', () => {
  it('collects the images of every node in node order and skips other outputs', () => {
    const a = { filename: 'a.png', subfolder: '', type: 'output' }
    const b = { filename: 'b.png', subfolder: 's', type: 'temp' }
    expect(collectOutputImages({ 12: { images: [b] }, 3: { text: ['x'] }, 4: { images: [a, a] } })).toEqual([a, a, b])
    expect(collectOutputImages({})).toEqual([])
  })

  it('checks image references with isComfyImageRef', () => {
    expect(isComfyImageRef({ filename: 'a', subfolder: '', type: 'output' })).toBe(true)
    expect(isComfyImageRef({ filename: 'a', type: 'output' })).toBe(false)
    expect(isComfyImageRef(null)).toBe(false)
  })
})

describe('malformed answers', () => {
  const entry = (over: Record<string, unknown>) => ({ p: { prompt: item(0, 'p'), outputs: {}, ...over } })
  it.each([
    ['history that is an array', () => parseHistory([]), /history is not a JSON object \(got an array\)/],
    ['history that is null', () => parseHistory(null), /got null/],
    ['a history entry without prompt', () => parseHistory({ p: { outputs: {} } }), /history\["p"\]\.prompt is not a queue item/],
    ['a history entry with a short prompt item', () => parseHistory({ p: { prompt: [0, 'p'], outputs: {} } }, 'p'), /prompt is not a queue item/],
    ['a history entry with a numeric prompt id', () => parseHistory(entry({ prompt: [0, 1, {}, {}, []] })), /prompt\[1\] \(prompt id\) is not a string/],
    ['a history entry with a numeric client_id', () => parseHistory(entry({ prompt: [0, 'p', {}, { client_id: 3 }, []] })), /prompt\[3\]\.client_id is not a string/],
    ['history outputs that are a list', () => parseHistory(entry({ outputs: [] })), /outputs is not an object/],
    ['history images without subfolder', () => parseHistory(entry({ outputs: { 4: { images: [{ filename: 'a', type: 'output' }] } } })), /outputs\["4"\]\.images\[0\] is not an image reference/],
    ['a history status of unknown kind', () => parseHistory(entry({ status: { status_str: 'weird', completed: true, messages: [] } })), /status\.status_str is not "success" or "error"/],
    ['a history status message that is not a pair', () => parseHistory(entry({ status: { status_str: 'success', completed: true, messages: ['x'] } })), /messages\[0\] is not a \[type, data\] pair/],
    ['a queue without queue_pending', () => parseQueue({ queue_running: [] }), /queue\.queue_pending is not an array/],
    ['a queue item with a string number', () => parseQueue({ queue_running: [['0', 'p', {}, {}, []]], queue_pending: [] }), /queue_running\[0\]\[0\] \(queue number\) is not a number/],
    ['a queue answer that is a string', () => parseQueue('404: Not Found'), /queue is not a JSON object \(got the text "404: Not Found"\)/],
    ['GET /prompt with a string count', () => parseQueueRemaining({ exec_info: { queue_remaining: '1' } }), /queue_remaining is not a number/],
    ['an accepted prompt without prompt_id', () => parsePromptAccepted({ number: 1, node_errors: {} }), /prompt_id is not a non-empty string/],
    ['an accepted prompt with a string number', () => parsePromptAccepted({ prompt_id: 'p', number: '1', node_errors: {} }), /number is not a number/],
    ['a prompt error without error', () => parsePromptError({ node_errors: {} }), /error is not an object with string type and message/],
    ['a prompt error with node errors not a list', () => parsePromptError({ error: 'x', node_errors: { 1: { errors: 'bad' } } }), /node_errors\["1"\]\.errors is not an array/],
    ['a job of unknown status', () => parseJob({ id: 'j', status: 'done' }), /job\.status "done" is not one of/],
    ['a job with a string create_time', () => parseJob({ id: 'j', status: 'pending', create_time: 'now' }), /job\.create_time is not a number/],
    ['a job with a bad execution_error', () => parseJob({ id: 'j', status: 'failed', execution_error: { prompt_id: 'j' } }), /job\.execution_error\.node_id is not a string/],
    ['a job list without jobs', () => parseJobList({ pagination: {} }), /jobs is not an array/],
    ['an upload answer without name', () => parseUploadResult({ subfolder: '', type: 'input' }), /name is not a non-empty string/],
    ['an empty upload answer (400)', () => parseUploadResult(''), /upload answer is not a JSON object/],
    ['system_stats without devices', () => parseSystemStats({ system: { os: 'posix' } }), /devices is not an array/],
    ['system_stats with a numeric version', () => parseSystemStats({ system: { os: 'posix', comfyui_version: 3 }, devices: [] }), /system\.comfyui_version is not a string/],
    ['features with a string upload size', () => parseFeatures({ max_upload_size: '100' }), /features\.max_upload_size is not a number/],
  ])('refuses %s', (_name, run, reason) => {
    const result = run()
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(result.reason).toMatch(reason)
  })

  it.each([undefined, 0, true, 'x', [], null])('never throws on %o', (input) => {
    for (const parse of [parseHistory, parseQueue, parseQueueRemaining, parsePromptAccepted, parsePromptError, parseJob, parseJobList, parseUploadResult, parseSystemStats, parseFeatures])
      expect(parse(input).ok).toBe(false)
    expect(parseHistory(input, 'p').ok).toBe(false)
  })
})
