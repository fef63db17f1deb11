import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Plugin } from 'vite'
import type { ComfySimulator, ComfySimulatorOptions } from '../src/testing/index'
import { createComfySimulator } from '../src/testing/index'

/** The virtual module the playground imports its servers from. */
const VIRTUAL_ID = 'virtual:comfy-servers'
const RESOLVED_ID = `\0${VIRTUAL_ID}`
const LABELS = ['A', 'B', 'C']

/**
 * The simulators of the last dev server in this process. Vite restarts the dev server when a config dependency
 * changes (this file, or `src/testing/**`), creating the new server before closing the old one: the new one closes
 * these and starts fresh simulators (with the new code) on the same ports, so the page keeps valid server URLs.
 */
const REGISTRY = Symbol.for('comfy-tether:playground-simulators')
const registry = globalThis as { [REGISTRY]?: ComfySimulator[] }

/** What the playground (and its browser tests) learn about the servers. */
export interface ComfyServersInfo {
  /** Base URLs of the ComfyUI servers, in order. */
  servers: string[]
  /** A short name per server. */
  labels: string[]
  /** `true` when the servers are simulators started by this plugin (and so can be told to fail). */
  simulated: boolean
}

/** Options of {@link comfyServersPlugin}. */
export interface ComfyServersPluginOptions {
  /** How many simulators to start when `COMFY_SERVERS` is not set. @default 3 */
  count?: number
  /** Simulator speed factor (1 = real time, so a person sees progress). @default 1 */
  speed?: number
}

/**
 * The playground's servers. In dev, unless the env `COMFY_SERVERS` lists real ComfyUI URLs (comma-separated), starts
 * three ComfyUI simulators (A, B, C) and serves:
 * - `virtual:comfy-servers`: `{ servers, labels, simulated }` for the app;
 * - `GET /__comfy/servers`: the same as JSON;
 * - `GET /__comfy/sim/state`: each simulator's state (up/down/silent, queue, sockets);
 * - `GET /__comfy/sim/requests`: each simulator's request log (browser tests use it to prove where requests went);
 * - `POST /__comfy/sim/clear-log`: empties the request logs;
 * - `POST /__comfy/sim/:index/:action` with an optional JSON body of parameters: drives one simulator
 *   (`drop-sockets`, `silent` `{ on }`, `go-down`, `come-up`, `restart` `{ downtimeMs }`, or any action of
 *   `sim.control()`). It goes through the dev server, so `come-up` works while the simulator's own port is closed.
 * The simulators are closed with the dev server.
 */
export function comfyServersPlugin(options: ComfyServersPluginOptions = {}): Plugin {
  const { count = 3, speed = 1 } = options
  const external = parseServerList(process.env.COMFY_SERVERS)
  let sims: ComfySimulator[] = []
  let closing: Promise<void> | undefined

  function info(): ComfyServersInfo {
    if (external.length > 0)
      return { servers: external, labels: external.map(url => new URL(url).host), simulated: false }
    if (sims.length > 0)
      return { servers: sims.map(s => s.url), labels: sims.map(s => s.label), simulated: true }
    // A production build of the playground without COMFY_SERVERS: a local ComfyUI on its default port.
    return { servers: ['http://127.0.0.1:8188'], labels: ['local'], simulated: false }
  }

  function closeSims(): Promise<void> {
    if (registry[REGISTRY] === sims)
      registry[REGISTRY] = undefined
    closing ??= Promise.allSettled(sims.map(s => s.close())).then(() => undefined)
    return closing
  }

  return {
    name: 'comfy-tether:servers',
    config() {
      // Pre-bundle the peers up front: a late discovery would reload the page in the middle of a (browser) test.
      return { optimizeDeps: { include: ['vue', 'pinia', 'axios', '@vueuse/core'] } }
    },
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : undefined
    },
    load(id) {
      if (id !== RESOLVED_ID)
        return undefined
      const { servers, labels, simulated } = info()
      return [
        `export const servers = ${JSON.stringify(servers)}`,
        `export const labels = ${JSON.stringify(labels)}`,
        `export const simulated = ${JSON.stringify(simulated)}`,
      ].join('\n')
    },
    async configureServer(server) {
      if (external.length === 0) {
        const previous = registry[REGISTRY] ?? []
        await Promise.allSettled(previous.map(s => s.close()))
        const started: ComfySimulator[] = []
        try {
          for (const [i, label] of LABELS.slice(0, count).entries())
            started.push(await startSimulator(label, speed, previous[i]?.port))
        }
        catch (error) {
          await Promise.allSettled(started.map(s => s.close()))
          throw error
        }
        sims = started
        registry[REGISTRY] = sims
        server.config.logger.info(`  comfy-tether: simulators ${sims.map(s => `${s.label} ${s.url}`).join(', ')}`, { timestamp: true })
      }
      server.httpServer?.on('close', () => void closeSims())

      server.middlewares.use('/__comfy', (req, res, next) => {
        handle(req, res).catch((error: unknown) => {
          sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) })
        }).catch(next)
      })

      async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const path = (req.url ?? '/').split('?')[0] ?? '/'
        const method = req.method ?? 'GET'
        if (method === 'GET' && path === '/servers')
          return sendJson(res, 200, info())
        if (method === 'GET' && path === '/sim/state')
          return sendJson(res, 200, sims.map((s, index) => ({ index, label: s.label, url: s.url, ...s.state })))
        if (method === 'GET' && path === '/sim/requests')
          return sendJson(res, 200, sims.map((s, index) => ({ index, label: s.label, url: s.url, requests: s.requests })))
        if (method === 'POST' && path === '/sim/clear-log') {
          for (const s of sims) s.clearLog()
          return sendJson(res, 200, { ok: true })
        }
        const match = /^\/sim\/(\d+)\/([a-z-]+)$/.exec(path)
        if (method === 'POST' && match) {
          const sim = sims[Number(match[1])]
          if (!sim)
            return sendJson(res, 404, { error: `No simulator #${match[1]}: there are ${sims.length}.` })
          const action = match[2] ?? ''
          const params = await readJson(req)
          await controlSimulator(sim, action, params)
          return sendJson(res, 200, { ok: true, action, label: sim.label, state: sim.state })
        }
        sendJson(res, 404, { error: `Unknown playground route ${method} /__comfy${path}` })
      }
    },
    // `server.close()` runs this and waits for it, so tests can close the dev server and be sure the sims are gone.
    async buildEnd() {
      await closeSims()
    },
  }
}

/** Starts one simulator, on `port` if given and still free, else on any free port. */
/**
 * A mixed fleet, as real ones are: A has an upscale model, B has the upscale nodes but no model, C lacks those
 * nodes (a custom node set without them). Every other node type is on all three.
 */
const INSTALLED: Record<string, Pick<ComfySimulatorOptions, 'nodes' | 'models'>> = {
  A: { models: { upscale_models: ['4x-UltraSharp.pth', 'RealESRGAN_x2.pth'] } },
  B: {},
  C: { nodes: ['LoadImage', 'ImageInvert', 'ImageScale', 'EmptyImage', 'SaveImage', 'PreviewImage', 'TestSlowProgress', 'TestFail'] },
}

async function startSimulator(label: string, speed: number, port: number | undefined): Promise<ComfySimulator> {
  const installed = INSTALLED[label] ?? {}
  if (port !== undefined) {
    try {
      return await createComfySimulator({ label, speed, port, cors: true, control: true, ...installed })
    }
    catch {
      // The port was taken meanwhile: any port will do.
    }
  }
  return createComfySimulator({ label, speed, cors: true, control: true, ...installed })
}

/** Runs one control action on a simulator: the common ones by method, anything else through `sim.control()`. */
async function controlSimulator(sim: ComfySimulator, action: string, params: Record<string, unknown>): Promise<void> {
  switch (action) {
    case 'drop-sockets':
      return sim.dropSockets(typeof params.code === 'number' ? params.code : undefined)
    case 'silent':
      return sim.setSilent(params.on !== false)
    case 'go-down':
      return sim.goDown()
    case 'come-up':
      return sim.comeUp()
    case 'restart':
      return sim.restart({ downtimeMs: typeof params.downtimeMs === 'number' ? params.downtimeMs : 1000 })
    default:
      return sim.control(action, params)
  }
}

function parseServerList(value: string | undefined): string[] {
  return (value ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.setHeader('Cache-Control', 'no-store')
  res.end(JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '')
    return {}
  const parsed: unknown = JSON.parse(text)
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {}
}
