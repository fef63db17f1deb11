import type { Executor } from './executor'
import type { FileStore, FolderType } from './files'
import type { SimRequest, SimResponse } from './http-util'
import type { PyFloat } from './py-json'
import type { SimulatorVersion } from './types'
import type { Prompt } from './validation'
import { randomUUID } from 'node:crypto'
import { queueTuple } from './executor'
import { isFolderType, normalizeRelative, parseAnnotated, sha256 } from './files'
import { emptyResponse, errorResponse, HandlerError, jsonResponse, pyIn, queryInt, readJson, serverError, textResponse, truthy } from './http-util'
import { modelFolders } from './installation'
import { JOBS_ROUTES } from './jobs-routes'
import { parseMultipart } from './multipart'
import { objectInfo } from './object-info'
import { pyFloat } from './py-json'
import { SERVER_FEATURES } from './socket-hub'
import { systemStats } from './system-stats'
import { validatePrompt } from './validation'

/** What the ComfyUI routes work on. */
export interface RouteContext {
  version: SimulatorVersion
  files: FileStore
  executor: Executor
}

export type Handler = (req: SimRequest, ctx: RouteContext, params: string[]) => SimResponse

export interface Route {
  method: 'GET' | 'POST'
  pattern: RegExp
  handler: Handler
  /** Only in this version. */
  only?: SimulatorVersion
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SENSITIVE_EXTRA_DATA_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org']

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  json: 'application/json',
  mp4: 'video/mp4',
  webm: 'video/webm',
  wav: 'audio/x-wav',
  mp3: 'audio/mpeg',
}

function promptError(type: string, message: string, details: string): SimResponse {
  return jsonResponse({ error: { type, message, details, extra_info: {} }, node_errors: {} }, 400)
}

function getHistory(req: SimRequest, { executor }: RouteContext): SimResponse {
  const maxText = req.query.get('max_items')
  const offsetText = req.query.get('offset')
  const max = maxText === null ? undefined : queryInt(maxText)
  let offset = offsetText === null ? -1 : queryInt(offsetText)
  if (offset < 0 && max !== undefined)
    offset = executor.history.size - max
  const out: Record<string, unknown> = {}
  let i = 0
  let count = 0
  for (const [id, entry] of executor.history) {
    if (i >= offset) {
      out[id] = entry
      count++
      if (max !== undefined && count >= max)
        break
    }
    i++
  }
  return jsonResponse(out)
}

function postPrompt(req: SimRequest, { version, files, executor }: RouteContext): SimResponse {
  const body = readJson(req)
  if (body === null || typeof body === 'number' || typeof body === 'boolean')
    throw new HandlerError('argument is not iterable')
  const data = body as Record<string, unknown>
  let number: PyFloat | number
  if (pyIn('number', body)) {
    const n = Number(data.number)
    if (typeof data.number === 'object' || Number.isNaN(n))
      throw new HandlerError('could not convert to float')
    number = pyFloat(n)
  }
  else {
    number = executor.number
    if (pyIn('front', body) && truthy(data.front))
      number = -number
    executor.number++
  }
  if (!pyIn('prompt', body))
    return promptError('no_prompt', 'No prompt provided', 'No prompt provided')
  if (typeof data.client_id === 'string')
    req.note.clientId = data.client_id
  const prompt = data.prompt
  let promptId: string = randomUUID()
  if (version !== '0.3.44' && data.prompt_id !== undefined && data.prompt_id !== null) {
    if (typeof data.prompt_id === 'string')
      req.note.promptIds.push(data.prompt_id)
    if (typeof data.prompt_id !== 'string' || !CANONICAL_UUID.test(data.prompt_id))
      return promptError('invalid_prompt_id', 'prompt_id must be a valid UUID', 'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one')
    promptId = data.prompt_id
  }
  else if (typeof data.prompt_id === 'string') {
    req.note.promptIds.push(data.prompt_id)
  }
  if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt))
    throw new HandlerError('prompt is not a dict')
  const valid = validatePrompt(prompt as Prompt, version, files, data.partial_execution_targets)
  const extra: Record<string, unknown> = typeof data.extra_data === 'object' && data.extra_data !== null && !Array.isArray(data.extra_data) ? { ...data.extra_data as Record<string, unknown> } : {}
  if (pyIn('client_id', body))
    extra.client_id = data.client_id
  if (!valid.ok)
    return jsonResponse({ error: valid.error, node_errors: valid.nodeErrors }, 400)
  for (const key of SENSITIVE_EXTRA_DATA_KEYS)
    Reflect.deleteProperty(extra, key)
  if (version !== '0.3.44')
    extra.create_time = Date.now()
  if (!req.note.promptIds.includes(promptId))
    req.note.promptIds.push(promptId)
  executor.put({ number, promptId, prompt: valid.prompt, extraData: extra, outputs: valid.outputs })
  return jsonResponse({ prompt_id: promptId, number, node_errors: valid.nodeErrors })
}

function postQueue(req: SimRequest, { executor }: RouteContext): SimResponse {
  const body = readJson(req)
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return emptyResponse(200)
  const data = body as Record<string, unknown>
  if ('clear' in data && truthy(data.clear))
    executor.wipe()
  if ('delete' in data && Array.isArray(data.delete)) {
    for (const id of data.delete) {
      if (typeof id === 'string') {
        req.note.promptIds.push(id)
        executor.deletePending(id)
      }
    }
  }
  return emptyResponse(200)
}

function postInterrupt(req: SimRequest, { version, executor }: RouteContext): SimResponse {
  const running = executor.running?.promptId
  if (version === '0.3.44') {
    executor.interrupt()
    if (running)
      req.note.promptIds.push(running)
    return emptyResponse(200)
  }
  let body: unknown = {}
  try {
    body = JSON.parse(req.body.toString('utf8'))
  }
  catch {}
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HandlerError('\'list\' object has no attribute \'get\'')
  const target = (body as Record<string, unknown>).prompt_id
  if (truthy(target)) {
    if (typeof target === 'string')
      req.note.promptIds.push(target)
    if (running !== undefined && running === target)
      executor.interrupt()
  }
  else {
    executor.interrupt()
    if (running)
      req.note.promptIds.push(running)
  }
  return emptyResponse(200)
}

function postHistory(req: SimRequest, { executor }: RouteContext): SimResponse {
  const body = readJson(req)
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return emptyResponse(200)
  const data = body as Record<string, unknown>
  if ('clear' in data && truthy(data.clear))
    executor.history.clear()
  if ('delete' in data && Array.isArray(data.delete)) {
    for (const id of data.delete) {
      if (typeof id === 'string') {
        req.note.promptIds.push(id)
        executor.history.delete(id)
      }
    }
  }
  return emptyResponse(200)
}

function uploadImage(req: SimRequest, { files }: RouteContext): SimResponse {
  const form = parseMultipart(req.body, req.headers['content-type'])
  if (!form)
    return emptyResponse(400)
  const typeField = form.get('type')
  const type = typeField === undefined ? 'input' : typeField.data.toString('utf8')
  if (!isFolderType(type))
    throw new HandlerError('UnboundLocalError: type_dir')
  const image = form.get('image')
  if (!image)
    return emptyResponse(400)
  if (image.filename === undefined)
    throw new HandlerError('\'str\' object has no attribute \'file\'')
  if (!image.filename)
    return emptyResponse(400)
  const subfolder = form.get('subfolder')?.data.toString('utf8') ?? ''
  const overwrite = form.get('overwrite')?.data.toString('utf8')
  const dir = normalizeRelative(subfolder)
  let name = image.filename
  const place = (file: string): string | null => (dir === null ? null : normalizeRelative(dir ? `${dir}/${file}` : file))
  let rel = place(name)
  if (!rel)
    return emptyResponse(400)
  let duplicate = false
  if (overwrite !== 'true' && overwrite !== '1') {
    const slash = name.lastIndexOf('/') + 1
    const dot = name.lastIndexOf('.')
    const [stem, ext] = dot > slash ? [name.slice(0, dot), name.slice(dot)] : [name, '']
    const hash = sha256(image.data)
    for (let i = 1; rel && files.has(type, rel); i++) {
      if (sha256(files.get(type, rel) as Uint8Array) === hash) {
        duplicate = true
        break
      }
      name = `${stem} (${i})${ext}`
      rel = place(name)
    }
    if (!rel)
      return emptyResponse(400)
  }
  if (!duplicate)
    files.set(type, rel, new Uint8Array(image.data))
  return jsonResponse({ name, subfolder, type })
}

function view(req: SimRequest, { files }: RouteContext): SimResponse {
  const raw = req.query.get('filename')
  if (raw === null)
    return emptyResponse(404)
  const annotated = /\s*\[(?:input|output|temp)\]$/.test(raw) ? parseAnnotated(raw, 'output') : null
  const filename = annotated?.name ?? raw
  if (!filename)
    return emptyResponse(400)
  if (filename.startsWith('/') || filename.includes('..'))
    return emptyResponse(400)
  const type = annotated?.type ?? req.query.get('type') ?? 'output'
  if (!isFolderType(type))
    return emptyResponse(400)
  let dir = ''
  const subfolder = req.query.get('subfolder')
  if (subfolder !== null) {
    const normalized = normalizeRelative(subfolder)
    if (normalized === null)
      return emptyResponse(403)
    dir = normalized
  }
  const base = filename.slice(filename.lastIndexOf('/') + 1)
  const rel = dir ? `${dir}/${base}` : base
  const bytes = files.get(type as FolderType, rel)
  if (!bytes)
    return emptyResponse(404)
  const producer = files.producer(type as FolderType, rel)
  if (producer)
    req.note.promptIds.push(producer)
  let contentType = MIME[base.slice(base.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream'
  if (['text/html', 'application/xhtml+xml', 'text/javascript', 'text/css'].includes(contentType))
    contentType = 'application/octet-stream'
  return { status: 200, headers: { 'Content-Type': contentType, 'Content-Disposition': `filename="${base}"` }, body: Buffer.from(bytes) }
}

const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/$/, handler: () => textResponse('<!DOCTYPE html><title>ComfyUI (comfy-tether simulator)</title><p>ComfyUI simulator</p>', 200, 'text/html; charset=utf-8') },
  { method: 'GET', pattern: /^\/system_stats$/, handler: (_r, c) => jsonResponse(systemStats(c.version)) },
  { method: 'GET', pattern: /^\/features$/, only: '0.33.0', handler: () => jsonResponse(SERVER_FEATURES) },
  { method: 'GET', pattern: /^\/embeddings$/, handler: (_r, c) => jsonResponse((c.files.installation.models.embeddings ?? []).map(name => name.replace(/\.[^.]*$/, ''))) },
  { method: 'GET', pattern: /^\/models$/, handler: (_r, c) => jsonResponse(modelFolders(c.files.installation)) },
  {
    method: 'GET',
    pattern: /^\/models\/([^/]+)$/,
    handler: (_r, c, [folder = '']) => modelFolders(c.files.installation).includes(folder) ? jsonResponse(c.files.installation.models[folder] ?? []) : emptyResponse(404),
  },
  { method: 'GET', pattern: /^\/extensions$/, handler: () => jsonResponse([]) },
  { method: 'GET', pattern: /^\/prompt$/, handler: (_r, c) => jsonResponse({ exec_info: { queue_remaining: c.executor.queueRemaining } }) },
  { method: 'POST', pattern: /^\/prompt$/, handler: postPrompt },
  { method: 'GET', pattern: /^\/queue$/, handler: (_r, { executor }) => jsonResponse({ queue_running: executor.running ? [queueTuple(executor.running)] : [], queue_pending: executor.pending.map(queueTuple) }) },
  { method: 'POST', pattern: /^\/queue$/, handler: postQueue },
  { method: 'POST', pattern: /^\/interrupt$/, handler: postInterrupt },
  { method: 'POST', pattern: /^\/free$/, handler: () => emptyResponse(200) },
  { method: 'GET', pattern: /^\/history$/, handler: getHistory },
  { method: 'POST', pattern: /^\/history$/, handler: postHistory },
  {
    method: 'GET',
    pattern: /^\/history\/([^/]+)$/,
    handler: (req, { executor }, [id = '']) => {
      req.note.promptIds.push(id)
      const entry = executor.history.get(id)
      return jsonResponse(entry ? { [id]: entry } : {})
    },
  },
  { method: 'GET', pattern: /^\/object_info$/, handler: (_r, c) => jsonResponse(objectInfo(c.version, c.files)) },
  { method: 'GET', pattern: /^\/object_info\/([^/]+)$/, handler: (_r, c, [name = '']) => jsonResponse(objectInfo(c.version, c.files, name)) },
  { method: 'POST', pattern: /^\/upload\/image$/, handler: uploadImage },
  { method: 'GET', pattern: /^\/view$/, handler: view },
  ...JOBS_ROUTES,
]

function match(method: string, path: string, version: SimulatorVersion): { route: Route, params: string[] } | 'method' | null {
  let wrongMethod = false
  for (const route of ROUTES) {
    if (route.only && route.only !== version)
      continue
    const m = route.pattern.exec(path)
    if (!m)
      continue
    if (route.method === method || (method === 'HEAD' && route.method === 'GET'))
      return { route, params: m.slice(1).map(p => decodeURIComponent(p)) }
    wrongMethod = true
  }
  return wrongMethod ? 'method' : null
}

/**
 * Answer a ComfyUI route. Every route exists with and without the `/api` prefix, as in ComfyUI's server.py
 * (`/api/jobs` is itself registered with its prefix).
 */
export function handleComfyRequest(req: SimRequest, ctx: RouteContext): SimResponse {
  let found = match(req.method, req.rawPath, ctx.version)
  req.path = req.rawPath
  if (found === null && req.rawPath.startsWith('/api/')) {
    req.path = req.rawPath.slice(4)
    found = match(req.method, req.path, ctx.version)
  }
  if (found === null)
    return errorResponse(404)
  if (found === 'method')
    return errorResponse(405)
  try {
    const res = found.route.handler(req, ctx, found.params)
    return req.method === 'HEAD' ? { ...res, body: Buffer.alloc(0) } : res
  }
  catch (e) {
    if (e instanceof HandlerError || e instanceof URIError)
      return serverError()
    throw e
  }
}
