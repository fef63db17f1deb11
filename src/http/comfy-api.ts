import type { AxiosInstance } from 'axios'
import type { HistoryEntry, PromptAccepted, QueueSnapshot, UploadResult } from '../core/api-types'
import type { JobStatus, JobSummary } from '../core/jobs-parsers'
import { lazyChunk } from '../core/lazy-chunk'

/**
 * Typed ComfyUI calls. Each names its server explicitly and, when it belongs to a task, the task's prompt id, so the
 * interceptor of `createComfyHttp` can check it against the lock.
 */
export interface ComfyApi {
  /** `GET /prompt`: running + pending prompts on the server. */
  queueRemaining: (server: string, timeout?: number) => Promise<number>
  /** `POST /prompt` with a client-minted prompt id. */
  queuePrompt: (request: QueuePromptRequest) => Promise<PromptAccepted>
  /** `GET /history/{id}`: the entry, or `null` when the server has none. */
  history: (server: string, promptId: string) => Promise<HistoryEntry | null>
  /**
   * `GET /history` (every entry the server keeps), read for `promptIds`: one request for many tasks, each `null` when
   * the server has no entry for it.
   */
  histories: (server: string, promptIds: readonly string[]) => Promise<Map<string, HistoryEntry | null>>
  /** `GET /queue`: running and pending prompt ids. */
  queue: (server: string, promptId?: string) => Promise<QueueSnapshot>
  /** `POST /upload/image` (multipart). */
  uploadImage: (request: UploadImageRequest) => Promise<UploadResult>
  /** `POST /interrupt` for one running prompt. */
  interrupt: (server: string, promptId: string) => Promise<void>
  /** `POST /queue {delete}`: remove pending prompts. */
  deleteQueued: (server: string, promptIds: readonly string[]) => Promise<void>
  /**
   * Does the server use a client-minted `prompt_id`? `GET /features` exists from ComfyUI 0.3.45 on, the release that
   * started to honour it; older servers answer 404 and mint their own ids.
   */
  honoursClientPromptIds: (server: string) => Promise<boolean>
  /**
   * `GET /api/jobs?status=…`: the jobs in those states (ComfyUI 0.33 and later), or `null` when the server has no jobs
   * API (it answers 404).
   */
  jobs: (server: string, statuses: readonly JobStatus[]) => Promise<JobSummary[] | null>
  /**
   * `POST /api/jobs/{id}/cancel`: `true` when the server dequeued or interrupted that prompt, `false` when it had nothing
   * to cancel (ended, unknown), `null` when the server has no jobs API (it answers 404).
   */
  cancelJob: (server: string, promptId: string) => Promise<boolean | null>
}

/** The body of a `POST /prompt`. */
export interface QueuePromptRequest {
  server: string
  promptId: string
  clientId: string
  prompt: Record<string, unknown>
  extraData?: Record<string, unknown>
}

/** An image upload. */
export interface UploadImageRequest {
  server: string
  file: Blob
  filename: string
  promptId?: string
  subfolder?: string
  type?: 'input' | 'temp' | 'output'
  overwrite?: boolean
}

/** The two calls of an axios instance that comfy-tether's requests are made with (an `AxiosInstance` is one). */
export type ComfyRequester = Pick<AxiosInstance, 'get' | 'post'>

const load = lazyChunk('ComfyUI calls', () => import('./comfy-api-calls'))

/**
 * Builds the typed calls over an axios instance (normally the one from `createComfyHttp`). Their code and the decoders
 * of the answers are a chunk that starts loading now, in the background: a call made before it is there waits for it
 * (and rejects with a `ChunkLoadError` if it cannot load); once it is there, every call goes straight to it.
 */
export function createComfyApi(http: ComfyRequester): ComfyApi {
  let calls: ComfyApi | undefined
  const loaded = (): Promise<ComfyApi> => load().then(chunk => calls ??= chunk.createComfyApiCalls(http))
  loaded().catch(() => {}) // the next call tries again and rejects with the error
  const lazy = <K extends keyof ComfyApi>(name: K): ComfyApi[K] => ((...args: unknown[]) => {
    const run = (api: ComfyApi): Promise<unknown> => (api[name] as (...a: unknown[]) => Promise<unknown>)(...args)
    return calls ? run(calls) : loaded().then(run)
  }) as ComfyApi[K]
  return {
    queueRemaining: lazy('queueRemaining'),
    queuePrompt: lazy('queuePrompt'),
    history: lazy('history'),
    histories: lazy('histories'),
    queue: lazy('queue'),
    uploadImage: lazy('uploadImage'),
    interrupt: lazy('interrupt'),
    deleteQueued: lazy('deleteQueued'),
    honoursClientPromptIds: lazy('honoursClientPromptIds'),
    jobs: lazy('jobs'),
    cancelJob: lazy('cancelJob'),
  }
}
