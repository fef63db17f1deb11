import type { SimulatorAuth } from './auth'
import type { HistoryEdit } from './answer-faults'
import type { SimulatorClock } from './clock'
import type { SimulatorTiming } from './timing'

/** The ComfyUI release whose behaviour the simulator reproduces (recordings in `tests/fixtures/comfyui/`). */
export type SimulatorVersion = '0.33.0' | '0.3.44'

/** Options of {@link createComfySimulator}. */
export interface ComfySimulatorOptions {
  /**
   * TCP port on 127.0.0.1.
   * @default 0 (any free port)
   */
  port?: number
  /**
   * Time factor: with `10`, `TestSlowProgress` sleeps ten times shorter.
   * @default 1
   */
  speed?: number
  /**
   * Behaviour profile: which recorded ComfyUI to imitate.
   * @default '0.33.0'
   */
  version?: SimulatorVersion
  /**
   * Name shown in error messages and logs.
   * @default 'sim-<port>'
   */
  label?: string
  /**
   * Answer like ComfyUI started with `--enable-cors-header`: `Access-Control-Allow-Origin: <request origin>` on every
   * route, and OPTIONS preflights answered. With `false`, ComfyUI's origin check applies instead (a request whose
   * `Origin` host differs from `Host` gets 403).
   * @default true
   */
  cors?: boolean
  /**
   * Mount `POST /__sim/<action>` so a browser or another process can inject faults.
   * @default true
   */
  control?: boolean
  /**
   * Require a token, as an auth proxy in front of ComfyUI does: every route and the socket upgrade answer 401
   * without it (by `Authorization: Bearer` header or by query parameter, see {@link SimulatorAuth}).
   * @default undefined (no auth)
   */
  auth?: SimulatorAuth
  /**
   * The node types installed, as if the other ones' custom nodes were missing (a mixed fleet). Names must be node
   * types the simulator can run. `POST /prompt` refuses others with `missing_node_type`; `/object_info` omits them.
   * @default every node type the simulator knows
   */
  nodes?: readonly string[]
  /**
   * Model files by folder, e.g. `{ upscale_models: ['4x-UltraSharp.pth'] }`: listed by `/models/{folder}`, offered in
   * the combos of the nodes that load them (`UpscaleModelLoader`) and checked by `POST /prompt`. `embeddings` files
   * are listed by `/embeddings` (without extension).
   * @default {}
   */
  models?: Readonly<Record<string, readonly string[]>>
  /**
   * How long simulated work takes (node time by class, a prompt's start, the step between nodes), in milliseconds
   * divided by `speed`. A `POST /prompt` that arrives during such a time gets its `status` broadcast there, between
   * the running prompt's messages. {@link RECORDED_TIMING} is the recorded servers' timing.
   * @default {} (instant)
   */
  timing?: SimulatorTiming
  /**
   * Where that work waits. Pass {@link createManualClock}'s clock to decide in the test when simulated time passes;
   * HTTP answers and sockets do not wait on it.
   * @default Node's timers
   */
  clock?: SimulatorClock
}

/** Kinds of broken WebSocket frames {@link ComfySimulator.sendMalformedFrame} can send. */
export type MalformedFrameKind = 'invalid-json' | 'unknown-type' | 'missing-data' | 'bad-binary' | 'truncated-binary'

/** One entry of the simulator's request log. Entries are added when a request arrives; `status` is set when answered. */
export interface SimulatorRequest {
  /** 1-based arrival order on this simulator. */
  seq: number
  /** `Date.now()` at arrival. */
  time: number
  kind: 'http' | 'ws-open' | 'ws-close'
  /** HTTP method (http entries only). */
  method?: string
  /** Path as requested, without the query string (with any `/api` prefix). */
  path: string
  query?: Record<string, string>
  /** Request headers, lower-case names (http entries only), e.g. to prove a token never reached another server. */
  headers?: Record<string, string>
  /** HTTP status sent (undefined until answered, and for ws entries). */
  status?: number
  /** `?clientId=` of a socket, or `client_id` of a `POST /prompt` body. */
  clientId?: string
  /** Every prompt id this request concerns. */
  promptIds: string[]
  /** The simulator's URL, so logs of several simulators can be merged. */
  server: string
}

/** A snapshot of what the simulator holds. */
export interface SimulatorState {
  /** `down`: not listening; `silent`: sockets open but nothing is sent. */
  status: 'up' | 'down' | 'silent'
  /** Running + pending prompts, as `GET /prompt` reports. */
  queueRemaining: number
  /** Prompt id being executed. */
  running: string | null
  /** Prompt ids waiting, in execution order. */
  pending: string[]
  /** Client ids (sids) in the server's socket table. */
  connectedClients: string[]
  /** How many times {@link ComfySimulator.restart} ran. */
  restarts: number
}

/** A ComfyUI for Node over real HTTP and WebSocket on 127.0.0.1. */
export interface ComfySimulator {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string
  /** `ws://127.0.0.1:PORT`. */
  readonly wsUrl: string
  readonly port: number
  readonly label: string
  /** Every HTTP request and socket open/close this simulator got, oldest first (control-route calls excluded). */
  readonly requests: readonly SimulatorRequest[]
  /** The log entries that concern `promptId`. */
  requestsFor(promptId: string): SimulatorRequest[]
  /** Empty the request log. */
  clearLog(): void
  readonly state: SimulatorState
  /** Terminate every socket (the client sees 1006), or close them with `code`. The server keeps running. */
  dropSockets(code?: number): void
  /** Keep sockets open but send nothing (events are lost, as when no socket is connected). */
  setSilent(silent: boolean): void
  /** Stop listening (connections refused) and kill every connection. Executions go on in memory. */
  goDown(): Promise<void>
  /** Listen again on the same port. */
  comeUp(): Promise<void>
  /**
   * Like SIGKILL and a new start: sockets die (1006), queue, history, running prompt and cache are forgotten, prompt
   * numbers restart at 0, temp files are wiped (ComfyUI cleans temp/ on start); input and output files survive.
   * Down for `downtimeMs` if given; listening afterwards in any case. With `nodes`, those node types are the ones
   * installed after the restart (custom nodes load when ComfyUI starts); models and files stay.
   */
  restart(options?: { downtimeMs?: number, nodes?: readonly string[] }): Promise<void>
  /**
   * Copies a model file into a folder (`upscale_models`, `checkpoints`, …), as a user would onto a running ComfyUI:
   * listed by `/models/{folder}` and offered by `/object_info` at once, no restart needed.
   */
  addModel(folder: string, file: string): void
  /** Delay HTTP answers by `ms` (all routes, or those whose path starts with `route`); `0` removes the rule. */
  delayResponses(ms: number, route?: string): void
  /** Answer the next `count` requests whose path starts with `route` with `status` (default 500) and ComfyUI's text body. */
  failNext(route: string, count: number, status?: number): void
  /** Refuse every socket upgrade with `status` (an auth proxy's 401/403, a proxy without WebSocket support); `null` ends it. HTTP still answers. */
  refuseUpgrade(status: number | null): void
  /** Accept TCP connections and never answer anything (a black-holed host); `false` ends it. */
  setBlackHole(on: boolean): void
  /** Lose the next `count` text frames of `type` (e.g. `executed`): dropped, or cut in half (`truncate`). */
  loseFrames(type: string, count: number, how?: 'drop' | 'truncate'): void
  /** A broken server: the next `count` `POST /prompt` answers repeat the previous answer's prompt id. */
  repeatPromptIds(count: number): void
  /** A broken server: history entries come without `status` while `on`. */
  setHistoryWithoutStatus(on: boolean): void
  /**
   * Answer history entries (`GET /history`, `GET /history/{id}`) as `edit` rewrites them, until `null` is passed: a
   * custom node's odd output such as a `null` output or an image whose `subfolder` is `null` (Python's `None`).
   * `edit` gets the decoded entry and returns the entry to send; it may change the entry in place.
   */
  editHistory(edit: HistoryEdit | null): void
  /** Send a broken frame to `clientId`'s socket, or to every socket. */
  sendMalformedFrame(kind: MalformedFrameKind, clientId?: string): void
  /** Dispatch a fault by name (`drop-sockets`, `silent`, `go-down`, `come-up`, `restart`, `delay`, `fail-next`, `malformed`, `refuse-upgrade`, `black-hole`, `lose-frames`). */
  control(action: string, params?: Record<string, unknown>): Promise<void>
  /** Stop everything: server, sockets, timers. Idempotent. */
  close(): Promise<void>
}
