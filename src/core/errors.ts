import type { ChunkLoadError } from './lazy-chunk'
import type { MissingDependencyError } from './missing-dependency-error'
import type { UiWorkflowError } from './ui-workflow/error'
import type { NoCapableServerError, WorkflowCheckError, WorkflowParamsError } from './workflow-errors'
import type { ExecutionFailedError, TaskCancelledError, TaskInterruptedError } from './task-errors'
import type { LockedServerDownError, PromptRejectedError, RequestFailedError, ServerUnreachableError, TaskNotFoundError, UploadFailedError } from './request-errors'
import { BRAND, errorToJSON, PREFIX, redactMessage, sanitizeCause } from './safe-error'

/**
 * Stable error codes. Match on `error.code`, not on the class or the message.
 */
export type ComfyTetherErrorCode =
  | 'SERVER_MISMATCH'
  | 'NO_SERVER_AVAILABLE'
  | 'INVALID_SERVER_URL'
  | 'INVALID_OPTIONS'
  | 'INVALID_WORKFLOW'
  | 'INVALID_IMAGE'
  | 'LOCK_BUSY'
  | 'TASK_NOT_FOUND'
  | 'PROMPT_REJECTED'
  | 'EXECUTION_FAILED'
  | 'TASK_INTERRUPTED'
  | 'TASK_CANCELLED'
  | 'TASK_LOST'
  | 'SERVER_UNREACHABLE'
  | 'UPLOAD_FAILED'
  | 'PROTOCOL_ERROR'
  | 'REQUEST_FAILED'
  | 'UNSUPPORTED_UI_WORKFLOW'
  | 'MISSING_DEPENDENCY'
  | 'INVALID_WORKFLOW_PARAMS'
  | 'WORKFLOW_INVALID_FOR_SERVER'
  | 'NO_CAPABLE_SERVER'
  | 'CLIENT_DISPOSED'
  | 'LOCKED_SERVER_DOWN'
  | 'CHUNK_LOAD_FAILED'

// The errors of requests and of calls that name a task are in request-errors.ts: only code that loads on first use
// makes them, so they load with it.

// Messages: what happened and with which values in every build; the longer explanation of what to do is written for
// development builds only (as Vue, Pinia and pinia-colada do), behind the check written out at each message, the form
// a minifier folds away. A production message keeps its facts (servers, ids, node) and a short hint, and the error
// its code and fields.

/**
 * The base of every error comfy-tether throws or rejects with. `code` is stable, `cause` keeps the original error
 * without its secrets (a foreign error becomes a `SanitizedCause`: name, code, status and message, no request config,
 * headers or request objects), the message has registered secrets and URL query values redacted, and `toJSON()`
 * gives name, code, message, the error's own fields and its cause, without secrets.
 * Use {@link isComfyTetherError} rather than `instanceof`: it also works across duplicated package copies.
 */
export class ComfyTetherError extends Error {
  readonly code: ComfyTetherErrorCode
  readonly [BRAND] = true

  constructor(code: ComfyTetherErrorCode, message: string, options?: { cause?: unknown }) {
    super(redactMessage(PREFIX + message), options?.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) })
    this.name = 'ComfyTetherError'
    this.code = code
  }

  /** What `JSON.stringify` writes: never a header, token or query credential. */
  toJSON(): Record<string, unknown> {
    return errorToJSON(this)
  }
}

/** The class of the error each code comes with: `isComfyTetherError(e, 'EXECUTION_FAILED')` narrows `e` to it. */
interface ComfyTetherErrorClasses {
  SERVER_MISMATCH: ServerMismatchError
  NO_SERVER_AVAILABLE: NoServerAvailableError
  INVALID_SERVER_URL: InvalidServerUrlError
  INVALID_OPTIONS: InvalidArgumentError
  INVALID_WORKFLOW: InvalidArgumentError
  INVALID_IMAGE: InvalidArgumentError
  LOCK_BUSY: LockBusyError
  TASK_NOT_FOUND: TaskNotFoundError
  PROMPT_REJECTED: PromptRejectedError
  EXECUTION_FAILED: ExecutionFailedError
  TASK_INTERRUPTED: TaskInterruptedError
  TASK_CANCELLED: TaskCancelledError
  TASK_LOST: TaskLostError
  SERVER_UNREACHABLE: ServerUnreachableError
  UPLOAD_FAILED: UploadFailedError
  PROTOCOL_ERROR: ProtocolError
  REQUEST_FAILED: RequestFailedError
  MISSING_DEPENDENCY: MissingDependencyError
  UNSUPPORTED_UI_WORKFLOW: UiWorkflowError
  INVALID_WORKFLOW_PARAMS: WorkflowParamsError
  WORKFLOW_INVALID_FOR_SERVER: WorkflowCheckError
  NO_CAPABLE_SERVER: NoCapableServerError
  CLIENT_DISPOSED: ClientDisposedError
  LOCKED_SERVER_DOWN: LockedServerDownError
  CHUNK_LOAD_FAILED: ChunkLoadError
}

/**
 * Each error code mapped to the error it comes with, its `code` narrowed to that one literal
 * (e.g. `ComfyTetherErrorByCode['EXECUTION_FAILED']` is an {@link ExecutionFailedError} with `nodeType` and `traceback`).
 */
export type ComfyTetherErrorByCode = {
  [C in ComfyTetherErrorCode]: (C extends keyof ComfyTetherErrorClasses ? ComfyTetherErrorClasses[C] : ComfyTetherError) & { readonly code: C }
}

/** Is `value` an error made by comfy-tether (any copy of it)? */
export function isComfyTetherError(value: unknown): value is ComfyTetherError
/** Is `value` a comfy-tether error with this `code`? Narrows to that code's class, e.g. `ExecutionFailedError`. */
export function isComfyTetherError<C extends ComfyTetherErrorCode>(value: unknown, code: C): value is ComfyTetherErrorByCode[C]
export function isComfyTetherError(value: unknown, code?: ComfyTetherErrorCode): boolean {
  if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true)
    return false
  return code === undefined || (value as ComfyTetherError).code === code
}

/** A request or socket of a task aimed at a server other than the one the task is locked to. */
export class ServerMismatchError extends ComfyTetherError {
  override readonly name = 'ServerMismatchError'
  declare readonly code: 'SERVER_MISMATCH'
  constructor(
    readonly lockedServer: string,
    readonly requestedServer: string,
    readonly operation: string,
    readonly promptId?: string,
  ) {
    super(
      'SERVER_MISMATCH',
      `${operation} refused: it targets "${requestedServer}" but ${promptId ? `task ${promptId} is` : 'the client is'} locked to "${lockedServer}".${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
        ? ' Send every call of a task to its own server (omit baseURL and let comfy-tether set it), or wait until its tasks end and the lock is released.'
        : ' Omit baseURL: comfy-tether sets it.'}`,
    )
  }
}

/** No configured server can take a new task. */
export class NoServerAvailableError extends ComfyTetherError {
  override readonly name = 'NoServerAvailableError'
  declare readonly code: 'NO_SERVER_AVAILABLE'
  /** How many tasks of this client were pending on these servers when it was thrown. */
  readonly pending: number
  /** `options.pending`: the tasks of this client still pending on these servers (they are followed, not this call). */
  constructor(readonly servers: readonly string[], readonly reasons: Readonly<Record<string, string>> = {}, options?: { cause?: unknown, pending?: number }) {
    const pending = options?.pending ?? 0
    const why = Object.entries(reasons).map(([s, r]) => `${s}: ${r.replace(/[.\s]+$/, '')}`).join('; ')
    const waiting = pending > 0 ? (typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ` Nothing new was submitted; the ${pending} task(s) of this client already pending there stay pending until their server answers again (at most maxOutage).` : ` ${pending} pending.`) : ''
    const detail = servers.length === 0
      ? `no servers are configured.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Pass at least one URL in the plugin\'s `servers` option.' : ''}`
      : `none of ${servers.map(s => `"${s}"`).join(', ')} is reachable${why ? ` (${why})` : ''}.${waiting}${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Check that ComfyUI runs there and allows this origin (--enable-cors-header), then try again.' : ' Check that ComfyUI runs there, then try again.'}`
    super('NO_SERVER_AVAILABLE', `No server available: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause })
    this.pending = pending
  }
}

/** A server URL that is not an absolute http(s) URL, or that carries credentials. */
export class InvalidServerUrlError extends ComfyTetherError {
  override readonly name = 'InvalidServerUrlError'
  declare readonly code: 'INVALID_SERVER_URL'
  constructor(readonly input: unknown, readonly reason: string) {
    super('INVALID_SERVER_URL', `Invalid server URL ${JSON.stringify(String(input))}: ${reason}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Use an absolute http:// or https:// URL such as "http://127.0.0.1:8188".' : ' Use an absolute http(s) URL.'}`)
  }
}

/** Options or arguments that cannot be used as given. */
export class InvalidArgumentError extends ComfyTetherError {
  override readonly name = 'InvalidArgumentError'
  declare readonly code: 'INVALID_OPTIONS' | 'INVALID_WORKFLOW' | 'INVALID_IMAGE'
}

/** The lock cannot be changed now: tasks are still pending on the locked server. */
export class LockBusyError extends ComfyTetherError {
  override readonly name = 'LockBusyError'
  declare readonly code: 'LOCK_BUSY'
  constructor(readonly lockedServer: string, readonly pending: readonly string[]) {
    super('LOCK_BUSY', `The lock on "${lockedServer}" cannot be released: ${pending.length} task(s) pending (${pending.join(', ')}).${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Wait for them to end or cancel them first.' : ' Wait for them, or cancel them.'}`)
  }
}

/** One validation error of one node, as ComfyUI reports it in `node_errors`. */
export interface ComfyNodeError {
  errors: { type: string, message: string, details: string, extra_info?: Record<string, unknown> }[]
  dependent_outputs?: string[]
  class_type?: string
}

/** Why a task was declared lost. */
export type TaskLostReason = 'server-restarted' | 'server-unreachable' | 'not-on-server' | 'abandoned'

/** The task is gone from its server: in neither `/queue` nor `/history` past the grace period, or the server stayed down. */
export class TaskLostError extends ComfyTetherError {
  override readonly name = 'TaskLostError'
  declare readonly code: 'TASK_LOST'
  /** `sent` is false for a task whose `POST /prompt` never left the client: it cannot be on the server. */
  constructor(readonly server: string, readonly promptId: string, readonly reason: TaskLostReason, readonly sent = true) {
    super('TASK_LOST', taskLostMessage(server, promptId, reason, sent))
  }
}

/** A server answered with something the ComfyUI protocol does not allow. */
export class ProtocolError extends ComfyTetherError {
  override readonly name = 'ProtocolError'
  declare readonly code: 'PROTOCOL_ERROR'
  constructor(readonly server: string, detail: string, options?: { cause?: unknown }) {
    super('PROTOCOL_ERROR', `Unexpected answer from "${server}": ${detail}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Is this URL a ComfyUI server (or a proxy\'s error page)?' : ' Is this URL a ComfyUI server?'}`, options)
  }
}

// ── task outcomes (issue #12) ──────────────────────────────────────────────────────────────────────────────────

/** How a cancelled task was stopped. */
export type TaskCancelHow = 'dequeued' | 'interrupted' | 'not-sent'

function taskLostMessage(server: string, promptId: string, reason: TaskLostReason, sent: boolean): string {
  if (!(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'))
    return `Task ${promptId} was lost ${sent ? 'on' : 'before it was sent to'} "${server}" (${reason}); submit it again.`
  if (!sent) {
    const why = reason === 'abandoned' ? 'the app abandoned that server' : reason === 'server-unreachable' ? 'the server stayed unreachable for longer than maxOutage' : 'its server went away'
    return `Task ${promptId} was lost before it was sent to "${server}" (${why}): it never reached that server; submit it again.`
  }
  const why = reason === 'server-unreachable'
    ? 'the server stayed unreachable for longer than maxOutage'
    : reason === 'server-restarted'
      ? 'the server restarted and forgot its queue and history'
      : reason === 'abandoned'
        ? 'the app abandoned that server (abandon())'
        : 'the server has it in neither its queue nor its history'
  return `Task ${promptId} was lost on "${server}": ${why}. Its uploads and any saved outputs may still be on that server; submit the task again.`
}

/** The store was disposed (app unmounted, `$dispose()`) before the call or task could finish. */
export class ClientDisposedError extends ComfyTetherError {
  override readonly name = 'ClientDisposedError'
  constructor(readonly operation: string, readonly promptId?: string) {
    super('CLIENT_DISPOSED', `${operation} did not finish: the comfy-tether store was disposed${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' (app unmounted or $dispose())' : ''}${promptId ? ` while task ${promptId} was pending` : ''}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Create the store again to go on.' : ' Create it again.'}`)
  }
}
