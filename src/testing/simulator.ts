import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { SimRequest, SimResponse } from './http-util'
import type { ComfySimulator, ComfySimulatorOptions, MalformedFrameKind, SimulatorRequest, SimulatorState, SimulatorVersion } from './types'
import { createServer } from 'node:http'
import { checkAuthOption, isAuthorized } from './auth'
import { realClock } from './clock'
import { Executor } from './executor'
import { ProtocolFaults } from './answer-faults'
import type { FrameLoss, HistoryEdit } from './answer-faults'
import { HttpFaults, MALFORMED_KINDS, malformedPayload } from './faults'
import { FileStore } from './files'
import { handleComfyRequest } from './http-routes'
import { createInstallation } from './installation'
import { NODE_DEFS } from './nodes'
import { emptyResponse, errorResponse, jsonResponse, serverError } from './http-util'
import { RequestLog } from './request-log'
import { optionalPackage } from './optional-deps'
import { SocketHub } from './socket-hub'
import { resolveTiming } from './timing'

const CONTROL_PREFIX = '/__sim/'
const CONTROL_ACTIONS = ['drop-sockets', 'silent', 'go-down', 'come-up', 'restart', 'delay', 'fail-next', 'malformed', 'refuse-upgrade', 'black-hole', 'lose-frames'] as const

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** ComfyUI's `origin_only_middleware` (active without `--enable-cors-header`): true when the request must get 403. */
function originMismatch(req: IncomingMessage): boolean {
  const host = req.headers.host
  const origin = req.headers.origin
  if (!host || !origin)
    return false
  let originUrl: URL
  let hostUrl: URL
  try {
    originUrl = new URL(origin)
    hostUrl = new URL(`http://${host}`)
  }
  catch {
    return false
  }
  if (!isLoopback(hostUrl.hostname))
    return false
  const hostDomain = originUrl.port === '' ? hostUrl.hostname : hostUrl.host
  const originDomain = hostUrl.port === '' ? originUrl.hostname : originUrl.host
  return hostDomain.toLowerCase() !== originDomain.toLowerCase()
}

function validCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999))
}

function queryRecord(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of params) {
    if (!(k in out))
      out[k] = v
  }
  return out
}

class Simulator implements ComfySimulator {
  readonly version: SimulatorVersion
  readonly speed: number
  readonly #cors: boolean
  readonly #control: boolean
  readonly #auth: ComfySimulatorOptions['auth']
  readonly #server: Server
  readonly #wss = new (optionalPackage('ws').WebSocketServer)({ noServer: true })
  readonly #files: FileStore
  readonly #faults = new HttpFaults()
  readonly #protocolFaults = new ProtocolFaults()
  readonly #log: RequestLog
  readonly #hub: SocketHub
  readonly #executor: Executor
  readonly #connections = new Set<Socket>()
  /** Delayed HTTP answers. */
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #wakers = new Set<() => void>()
  readonly #wsInfo = new WeakMap<WebSocket, { path: string, query: Record<string, string>, clientId?: string }>()
  #port: number
  #label: string
  #listening = false
  #restarts = 0
  #closing: Promise<void> | null = null

  constructor(options: ComfySimulatorOptions) {
    this.version = options.version ?? '0.33.0'
    this.speed = options.speed ?? 1
    if (!(this.speed > 0) || !Number.isFinite(this.speed))
      throw new RangeError(`[comfy-tether] createComfySimulator: speed must be a finite number > 0, got ${options.speed}`)
    if (this.version !== '0.33.0' && this.version !== '0.3.44')
      throw new RangeError(`[comfy-tether] createComfySimulator: version must be '0.33.0' or '0.3.44', got ${JSON.stringify(options.version)}`)
    this.#cors = options.cors ?? true
    this.#control = options.control ?? true
    this.#auth = checkAuthOption(options.auth)
    this.#port = options.port ?? 0
    this.#label = options.label ?? ''
    this.#files = new FileStore(createInstallation(NODE_DEFS.keys(), options.nodes, options.models))
    this.#log = new RequestLog(() => this.url)
    this.#hub = new SocketHub({
      version: this.version,
      queueRemaining: () => this.#executor.queueRemaining,
      executing: () => ({ clientId: this.#executor.clientId, lastNodeId: this.#executor.lastNodeId }),
      onOpen: () => {},
      onClose: (ws) => {
        const info = this.#wsInfo.get(ws)
        if (info)
          this.#log.add({ kind: 'ws-close', path: info.path, query: info.query, clientId: info.clientId })
      },
      frame: (type, payload) => this.#protocolFaults.frame(type, payload),
    })
    this.#executor = new Executor({ version: this.version, speed: this.speed, files: this.#files, hub: this.#hub, clock: options.clock ?? realClock, timing: resolveTiming(options.timing) })
    this.#server = createServer((req, res) => this.#onRequest(req, res))
    this.#server.on('connection', (socket: Socket) => {
      this.#connections.add(socket)
      socket.on('close', () => this.#connections.delete(socket))
    })
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head))
    this.#server.on('clientError', (_err, socket: Duplex) => socket.destroy())
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}`
  }

  get port(): number {
    return this.#port
  }

  get label(): string {
    return this.#label
  }

  get requests(): readonly SimulatorRequest[] {
    return this.#log.entries
  }

  requestsFor(promptId: string): SimulatorRequest[] {
    return this.#log.for(promptId)
  }

  clearLog(): void {
    this.#log.clear()
  }

  get state(): SimulatorState {
    return {
      status: !this.#listening ? 'down' : this.#hub.silent ? 'silent' : 'up',
      queueRemaining: this.#executor.queueRemaining,
      running: this.#executor.running?.promptId ?? null,
      pending: this.#executor.pending.map(i => i.promptId),
      connectedClients: this.#hub.clients,
      restarts: this.#restarts,
    }
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`[comfy-tether] Simulator ${this.#label || ''} could not listen on 127.0.0.1:${this.#port}: ${err.message}`, { cause: err }))
      this.#server.once('error', onError)
      this.#server.listen(this.#port, '127.0.0.1', () => {
        this.#server.off('error', onError)
        resolve()
      })
    })
    const address = this.#server.address()
    if (address && typeof address === 'object')
      this.#port = address.port
    if (!this.#label)
      this.#label = `sim-${this.#port}`
    this.#listening = true
  }

  dropSockets(code?: number): void {
    if (code !== undefined && code !== 1006 && !validCloseCode(code))
      throw new RangeError(`[comfy-tether] dropSockets: ${code} is not a close code a server may send. Use 1000-1003, 1007-1014 or 3000-4999, or omit it for an abrupt drop (1006).`)
    this.#hub.dropAll(code)
  }

  setSilent(silent: boolean): void {
    this.#hub.silent = silent
  }

  #killConnections(): void {
    for (const t of this.#timers)
      clearTimeout(t)
    this.#timers.clear()
    this.#hub.dropAll()
    for (const socket of this.#connections)
      socket.destroy()
    this.#connections.clear()
  }

  async goDown(): Promise<void> {
    if (!this.#listening)
      return
    this.#listening = false
    const closed = new Promise<void>(resolve => this.#server.close(() => resolve()))
    this.#server.closeAllConnections()
    this.#killConnections()
    await closed
  }

  async comeUp(): Promise<void> {
    if (this.#listening || this.#closing)
      return
    await this.listen()
  }

  async restart(options: { downtimeMs?: number, nodes?: readonly string[] } = {}): Promise<void> {
    if (this.#closing)
      return
    const downtime = options.downtimeMs ?? 0
    if (!(downtime >= 0) || !Number.isFinite(downtime))
      throw new RangeError(`[comfy-tether] restart: downtimeMs must be a finite number >= 0, got ${downtime}`)
    // Custom nodes load when ComfyUI starts: a new node set takes a restart.
    const installation = options.nodes === undefined ? undefined : createInstallation(NODE_DEFS.keys(), options.nodes, this.#files.installation.models)
    this.#restarts++
    if (installation)
      this.#files.installation = installation
    this.#killConnections()
    this.#executor.reset()
    // ComfyUI empties temp/ when it starts.
    this.#files.wipe('temp')
    this.#hub.silent = false
    if (downtime > 0) {
      await this.goDown()
      await this.#wait(downtime)
    }
    await this.comeUp()
  }

  /** A timer that close() cuts short. */
  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#wakers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#wakers.add(done)
    })
  }

  delayResponses(ms: number, route?: string): void {
    this.#faults.setDelay(ms, route)
  }

  addModel(folder: string, file: string): void {
    const { nodes, models } = this.#files.installation
    this.#files.installation = createInstallation(NODE_DEFS.keys(), nodes && [...nodes], { ...models, [folder]: [...(models[folder] ?? []), file] })
  }

  failNext(route: string, count: number, status?: number): void {
    this.#faults.addFailure(route, count, status)
  }

  refuseUpgrade(status: number | null): void {
    if (status !== null && (!Number.isInteger(status) || status < 400 || status > 599))
      throw new RangeError(`[comfy-tether] refuseUpgrade: status must be an HTTP error status (400-599) or null, got ${status}`)
    this.#protocolFaults.refuseUpgrade = status
  }

  setBlackHole(on: boolean): void {
    this.#protocolFaults.blackHole = on
  }

  loseFrames(type: string, count: number, how?: FrameLoss): void {
    this.#protocolFaults.loseFrames(type, count, how)
  }

  repeatPromptIds(count: number): void {
    this.#protocolFaults.repeatPromptIds = count
  }

  setHistoryWithoutStatus(on: boolean): void {
    this.#protocolFaults.historyWithoutStatus = on
  }

  editHistory(edit: HistoryEdit | null): void {
    if (edit !== null && typeof edit !== 'function')
      throw new TypeError('[comfy-tether] editHistory: pass a function (entry, promptId) => entry, or null to stop')
    this.#protocolFaults.historyEdit = edit
  }

  sendMalformedFrame(kind: MalformedFrameKind, clientId?: string): void {
    if (!MALFORMED_KINDS.includes(kind))
      throw new RangeError(`[comfy-tether] sendMalformedFrame: unknown kind ${JSON.stringify(kind)}. Use one of ${MALFORMED_KINDS.join(', ')}.`)
    this.#hub.sendRaw(malformedPayload(kind), clientId)
  }

  async control(action: string, params: Record<string, unknown> = {}): Promise<void> {
    const num = (key: string, fallback?: number): number | undefined => {
      const v = params[key]
      if (v === undefined || v === null)
        return fallback
      if (typeof v !== 'number')
        throw new TypeError(`[comfy-tether] control('${action}'): ${key} must be a number, got ${JSON.stringify(v)}`)
      return v
    }
    const str = (key: string): string | undefined => {
      const v = params[key]
      if (v === undefined || v === null)
        return undefined
      if (typeof v !== 'string')
        throw new TypeError(`[comfy-tether] control('${action}'): ${key} must be a string, got ${JSON.stringify(v)}`)
      return v
    }
    switch (action) {
      case 'drop-sockets': return this.dropSockets(num('code'))
      case 'silent': return this.setSilent(params.on !== false)
      case 'go-down': return this.goDown()
      case 'come-up': return this.comeUp()
      case 'restart': return this.restart({ downtimeMs: num('downtimeMs', 0) })
      case 'delay': return this.delayResponses(num('ms', 0) ?? 0, str('route'))
      case 'fail-next': return this.failNext(str('route') ?? '', num('count', 1) ?? 1, num('status'))
      case 'malformed': return this.sendMalformedFrame((str('kind') ?? 'invalid-json') as MalformedFrameKind, str('clientId'))
      case 'refuse-upgrade': return this.refuseUpgrade(num('status') ?? null)
      case 'black-hole': return this.setBlackHole(params.on !== false)
      case 'lose-frames': return this.loseFrames(str('type') ?? 'executed', num('count', 1) ?? 1, (str('how') ?? 'drop') as FrameLoss)
      default:
        throw new RangeError(`[comfy-tether] Unknown simulator control action ${JSON.stringify(action)}. Use one of ${CONTROL_ACTIONS.join(', ')}.`)
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#executor.dispose()
      for (const wake of [...this.#wakers])
        wake()
      this.#faults.clear()
      this.#protocolFaults.clear()
      this.#killConnections()
      this.#wss.close()
      if (this.#listening) {
        this.#listening = false
        const closed = new Promise<void>(resolve => this.#server.close(() => resolve()))
        this.#server.closeAllConnections()
        this.#killConnections()
        await closed
      }
    })()
    return this.#closing
  }

  #corsHeaders(req: IncomingMessage): Record<string, string> {
    if (!this.#cors)
      return {}
    return {
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Methods': 'POST, GET, DELETE, PUT, OPTIONS, PATCH',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization',
      'Access-Control-Allow-Credentials': 'true',
      'Vary': 'Origin',
    }
  }

  #write(req: IncomingMessage, res: ServerResponse, response: SimResponse, entry?: SimulatorRequest): void {
    if (res.destroyed || res.writableEnded)
      return
    if (entry)
      entry.status = response.status
    res.writeHead(response.status, { ...response.headers, ...this.#corsHeaders(req), 'Content-Length': String(response.body.length) })
    res.end(response.body)
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#protocolFaults.blackHole && !req.url?.startsWith(CONTROL_PREFIX))
      return // accepted, never answered: the connection dies only when the client gives up
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('error', () => {})
    req.on('end', () => {
      try {
        this.#answer(req, res, Buffer.concat(chunks))
      }
      catch {
        this.#write(req, res, serverError())
      }
    })
  }

  #answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = (req.method ?? 'GET').toUpperCase()
    const isControl = this.#control && url.pathname.startsWith(CONTROL_PREFIX)
    if (!this.#cors && originMismatch(req)) {
      if (!isControl)
        this.#log.add({ kind: 'http', method, path: url.pathname, query: queryRecord(url.searchParams), status: 403 })
      this.#write(req, res, emptyResponse(403))
      return
    }
    if (isControl) {
      this.#answerControl(req, res, method, decodeURIComponent(url.pathname.slice(CONTROL_PREFIX.length)), body)
      return
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]))
    const entry = this.#log.add({ kind: 'http', method, path: url.pathname, query: queryRecord(url.searchParams), headers })
    if (method === 'OPTIONS') {
      this.#write(req, res, emptyResponse(200), entry)
      return
    }
    if (this.#auth && !isAuthorized(this.#auth, req.headers, url.searchParams)) {
      this.#write(req, res, errorResponse(401), entry)
      return
    }
    const failure = this.#faults.takeFailure(url.pathname)
    // Frames the request causes (status broadcasts) go out after its answer is written, as in ComfyUI, whose
    // send_sync only queues them for its socket loop. A delayed answer does not hold them back.
    const release = this.#hub.hold()
    try {
      let response: SimResponse
      if (failure !== null) {
        response = errorResponse(failure)
      }
      else {
        const simReq: SimRequest = { method, rawPath: url.pathname, path: url.pathname, query: url.searchParams, headers: req.headers, body, note: { promptIds: [] } }
        try {
          response = this.#protocolFaults.answer(method, url.pathname, handleComfyRequest(simReq, { version: this.version, files: this.#files, executor: this.#executor }))
        }
        catch {
          response = serverError()
        }
        entry.promptIds.push(...new Set(simReq.note.promptIds))
        if (simReq.note.clientId !== undefined)
          entry.clientId = simReq.note.clientId
      }
      const delay = this.#faults.delayFor(url.pathname)
      if (delay <= 0) {
        this.#write(req, res, response, entry)
        return
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        this.#write(req, res, response, entry)
      }, delay)
      this.#timers.add(timer)
    }
    finally {
      release()
    }
  }

  #answerControl(req: IncomingMessage, res: ServerResponse, method: string, action: string, body: Buffer): void {
    if (method === 'OPTIONS') {
      this.#write(req, res, emptyResponse(200))
      return
    }
    if (method !== 'POST') {
      this.#write(req, res, errorResponse(405))
      return
    }
    let params: Record<string, unknown> = {}
    try {
      const text = body.toString('utf8').trim()
      const parsed: unknown = text ? JSON.parse(text) : {}
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new TypeError('the body must be a JSON object')
      params = parsed as Record<string, unknown>
    }
    catch (e) {
      this.#write(req, res, jsonResponse({ error: `[comfy-tether] control route: ${(e as Error).message}` }, 400))
      return
    }
    // These kill the connection that carries the answer: answer first, then act.
    if (action === 'go-down' || action === 'restart') {
      res.once('finish', () => {
        this.control(action, params).catch(() => {})
      })
      const answer = jsonResponse({ ok: true, action })
      this.#write(req, res, { ...answer, headers: { ...answer.headers, Connection: 'close' } })
      return
    }
    this.control(action, params).then(
      () => this.#write(req, res, jsonResponse({ ok: true, action })),
      (e: unknown) => this.#write(req, res, jsonResponse({ error: e instanceof Error ? e.message : String(e) }, 400)),
    )
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    if (this.#protocolFaults.blackHole)
      return
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const refuse = (status: number, text: string): void => {
      const body = `${status}: ${text}`
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
    }
    if (url.pathname !== '/ws' && url.pathname !== '/api/ws') {
      refuse(404, 'Not Found')
      return
    }
    if (!this.#cors && originMismatch(req)) {
      refuse(403, 'Forbidden')
      return
    }
    if (this.#auth && !isAuthorized(this.#auth, req.headers, url.searchParams)) {
      refuse(401, 'Unauthorized')
      return
    }
    const refusal = this.#protocolFaults.refuseUpgrade
    if (refusal !== null) {
      refuse(refusal, refusal === 401 ? 'Unauthorized' : refusal === 403 ? 'Forbidden' : 'Upgrade Refused')
      return
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const clientId = url.searchParams.get('clientId') ?? ''
      const info = { path: url.pathname, query: queryRecord(url.searchParams), clientId: clientId || undefined }
      this.#wsInfo.set(ws, info)
      this.#log.add({ kind: 'ws-open', ...info })
      this.#hub.accept(ws, clientId)
    })
  }
}

/**
 * Start a ComfyUI simulator on 127.0.0.1.
 * @param options - port, speed, version profile, label, CORS and control route
 * @see ComfySimulator
 */
export async function createComfySimulator(options: ComfySimulatorOptions = {}): Promise<ComfySimulator> {
  // Both optional packages are checked before anything listens, so a missing one is reported at once and by name.
  optionalPackage('ws')
  optionalPackage('pngjs')
  const sim = new Simulator(options)
  await sim.listen()
  return sim
}

/**
 * Start `count` simulators at once.
 * @param options - the same options for all, or a function of the index
 */
export async function startSimulators(
  count: number,
  options: ComfySimulatorOptions | ((i: number) => ComfySimulatorOptions) = {},
): Promise<{ sims: ComfySimulator[], urls: string[], close: () => Promise<void> }> {
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => createComfySimulator(typeof options === 'function' ? options(i) : options)))
  const sims = settled.flatMap(s => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = settled.find(s => s.status === 'rejected')
  if (failed) {
    await Promise.all(sims.map(s => s.close()))
    throw failed.reason
  }
  return { sims, urls: sims.map(s => s.url), close: async () => void await Promise.all(sims.map(s => s.close())) }
}
