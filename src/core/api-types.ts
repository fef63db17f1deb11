import type { ComfyNodeError } from './errors'

// The shapes of ComfyUI's HTTP answers (`/history`, `/queue`, `/prompt`, `/api/jobs`, `/upload`, `/system_stats`,
// `/features`) as comfy-tether reads them. The parsers that check them are in rest-parsers.ts and history-parsers.ts.

/**
 * A file ComfyUI wrote or holds, as it appears in `executed.output.images`, in `/history` outputs and in `/view` queries.
 * `type` is the folder kind: `'output'` (SaveImage), `'temp'` (PreviewImage) or `'input'` (uploads).
 */
export interface ComfyImageRef {
  filename: string
  subfolder: string
  type: string
}

/**
 * What one output node produced. `images` is checked; other keys (`text`, `gifs`, `audio`, …) come from
 * custom nodes and are passed through untouched.
 */
export interface NodeOutput {
  images?: ComfyImageRef[]
  [key: string]: unknown
}

/** Outputs of a prompt, keyed by node id. */
export type NodeOutputs = Record<string, NodeOutput>

/** The `extra_data` of a queued prompt. `client_id` is the socket that receives the prompt's messages. */
export interface QueueItemExtraData {
  client_id?: string
  /** Epoch milliseconds (0.3.44 and later). */
  create_time?: number
  [key: string]: unknown
}

/**
 * One prompt as ComfyUI stores it in `/queue` and in `history[id].prompt`.
 * The first element orders the queue (lower runs first; `front: true` submissions get negative numbers).
 */
export type QueueItem = [
  number: number,
  promptId: string,
  prompt: Record<string, unknown>,
  extraData: QueueItemExtraData,
  outputsToExecute: string[],
]

/** `GET /queue`, with the prompt ids already extracted. */
export interface QueueSnapshot {
  /** Ids of the running prompt(s), in server order. */
  running: string[]
  /** Ids of pending prompts in the order they will run (sorted by queue number). */
  pending: string[]
  /** The raw `queue_running` items, same order as {@link QueueSnapshot.running}. */
  runningItems: QueueItem[]
  /** The raw `queue_pending` items, same order as {@link QueueSnapshot.pending}. */
  pendingItems: QueueItem[]
}

/** One `[type, data]` entry of `history[id].status.messages`, e.g. `['execution_error', {...}]`. */
export type HistoryStatusMessage = [type: string, data: Record<string, unknown>]

/** How a prompt ended, as stored in its history entry. */
export interface HistoryStatus {
  /** `'error'` both for a node that raised and for an interrupted run; see {@link historyOutcome}. */
  status_str: 'success' | 'error'
  completed: boolean
  messages: HistoryStatusMessage[]
}

/** One entry of `GET /history` or `GET /history/{id}`. */
export interface HistoryEntry {
  prompt: QueueItem
  outputs: NodeOutputs
  status?: HistoryStatus
  /** Per output node display information (0.3.44 and later); not checked. */
  meta?: Record<string, unknown>
}

/** `GET /history`: entries keyed by prompt id. */
export type History = Record<string, HistoryEntry>

/** `POST /prompt` answered 200: the prompt is queued. */
export interface PromptAccepted {
  prompt_id: string
  /** Queue number; restarts at 0 when the server restarts. */
  number: number
  /** Outputs that failed validation while others were accepted; usually `{}`. */
  node_errors: Record<string, ComfyNodeError>
}

/** The top-level error of a rejected prompt. */
export interface PromptErrorInfo {
  /** E.g. `'prompt_outputs_failed_validation'`, `'missing_node_type'`, `'no_prompt'`, `'invalid_prompt'`. */
  type: string
  message: string
  details: string
  extra_info: Record<string, unknown>
}

/** `POST /prompt` answered 400: why the workflow was refused. */
export interface PromptErrorBody {
  error: PromptErrorInfo
  node_errors: Record<string, ComfyNodeError>
}

/** Status of a job in `/api/jobs` (ComfyUI 0.6.0 and later). */
export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled'

/** `GET /api/jobs/{id}` or one item of `GET /api/jobs` (ComfyUI 0.6.0 and later). */
export interface JobInfo {
  id: string
  status: JobStatus
  priority?: number
  /** Epoch milliseconds. */
  create_time?: number
  execution_start_time?: number
  execution_end_time?: number
  outputs_count?: number
  previewable_outputs_count?: number
  preview_output?: ComfyImageRef & { nodeId?: string, mediaType?: string }
  /** Only on the single-job route. */
  outputs?: NodeOutputs
  /** Only on the single-job route; the same object as a history entry's `status`. */
  execution_status?: HistoryStatus
  execution_error?: ExecutionErrorData
  /** Only on the single-job route; not checked. */
  workflow?: { prompt?: Record<string, unknown>, extra_data?: Record<string, unknown>, [key: string]: unknown }
}

/** `GET /api/jobs`. */
export interface JobList {
  jobs: JobInfo[]
  pagination?: { offset: number, limit: number | null, total: number, has_more: boolean }
}

/** `POST /upload/image` answered 200. Use `subfolder ? `${subfolder}/${name}` : name` as a LoadImage input. */
export interface UploadResult {
  /** The stored name; differs from the sent one when a different file of that name existed (`"a (1).png"`). */
  name: string
  subfolder: string
  type: string
}

/** One device of `GET /system_stats`. */
export interface SystemDevice {
  name: string
  type: string
  vram_total?: number
  vram_free?: number
  [key: string]: unknown
}

/** `GET /system_stats`, reduced to what a client checks: that it is ComfyUI, which version, which devices. */
export interface SystemStats {
  system: {
    os: string
    /** Missing on servers older than 2024. */
    comfyui_version?: string
    python_version?: string
    pytorch_version?: string
    ram_total?: number
    ram_free?: number
    [key: string]: unknown
  }
  devices: SystemDevice[]
}

/** `GET /features` and the `feature_flags` socket reply (ComfyUI 0.3.45 and later; 404 before). */
export interface ServerFeatures {
  /** The server sends binary type 4 previews (with node and prompt ids) to clients that announce this flag. */
  supports_preview_metadata?: boolean
  /** Bytes. */
  max_upload_size?: number
  [key: string]: unknown
}

/** The failure data a client shows, taken from an `execution_error` message. */
export interface ExecutionFailure {
  node_id: string
  node_type: string
  exception_type: string
  exception_message: string
  traceback: string[]
}

/** How a prompt ended, decided from its history entry by {@link historyOutcome}. */
export type HistoryOutcome =
  | { state: 'succeeded', outputs: NodeOutputs }
  | { state: 'failed', error: ExecutionFailure }
  | { state: 'interrupted', nodeId?: string }
  | { state: 'running' }

/** `execution_error`: a node raised; the prompt stops. Also stored in history messages and `/api/jobs`. */
export interface ExecutionErrorData {
  prompt_id: string
  node_id: string
  node_type: string
  /** Nodes that had finished before the failure. */
  executed?: string[]
  exception_message: string
  exception_type: string
  traceback: string[]
  /** Input name to reprs of its values. */
  current_inputs?: Record<string, unknown>
  current_outputs?: string[]
  timestamp?: number
}
