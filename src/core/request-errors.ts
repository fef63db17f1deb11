import type { ComfyNodeError } from './errors'
import { ComfyTetherError } from './errors'
import { redactMessage } from './safe-error'

// The errors only code that loads on first use makes (the typed calls, the task runner, placement's refusal of a
// locked server that is down): a chunk of their own.

/** A prompt id this client does not know. */
export class TaskNotFoundError extends ComfyTetherError {
  override readonly name = 'TaskNotFoundError'
  declare readonly code: 'TASK_NOT_FOUND'
  constructor(readonly promptId: string) {
    super('TASK_NOT_FOUND', `No task with prompt id "${promptId}" is known to this client.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Use an id returned by submit() (handle.promptId).' : ' Use handle.promptId.'}`)
  }
}

/** `POST /prompt` answered 400: the workflow was not accepted. */
export class PromptRejectedError extends ComfyTetherError {
  override readonly name = 'PromptRejectedError'
  declare readonly code: 'PROMPT_REJECTED'
  /** The node the rejection names: `extra_info.node_id` (ComfyUI's `missing_node_type`), else the only `node_errors` key. */
  readonly nodeId: string | undefined
  constructor(
    readonly server: string,
    readonly errorType: string,
    readonly serverMessage: string,
    readonly nodeErrors: Readonly<Record<string, ComfyNodeError>>,
    readonly details = '',
    extraInfo: Readonly<Record<string, unknown>> = {},
  ) {
    const nodes = Object.entries(nodeErrors)
      .map(([id, e]) => `node ${id}${e.class_type ? ` (${e.class_type})` : ''}: ${e.errors.map(x => `${x.message}${x.details ? ` - ${x.details}` : ''}`).join('; ')}`)
    super('PROMPT_REJECTED', `"${server}" rejected the workflow (${errorType}): ${serverMessage}${details ? ` ${details}` : ''}${nodes.length ? ` [${nodes.join(' | ')}]` : ''}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Fix the workflow and submit again.' : ' Fix the workflow.'}`)
    const keys = Object.keys(nodeErrors)
    this.nodeId = typeof extraInfo.node_id === 'string' ? extraInfo.node_id : keys.length === 1 ? keys[0] : undefined
  }
}

/** A server could not be reached (connection refused, timeout, 5xx). */
export class ServerUnreachableError extends ComfyTetherError {
  override readonly name = 'ServerUnreachableError'
  declare readonly code: 'SERVER_UNREACHABLE'
  /** What failed, in a few words (e.g. `no answer (ECONNREFUSED)`), without secrets. */
  readonly detail: string
  constructor(readonly server: string, readonly operation: string, detail: string, options?: { cause?: unknown }) {
    super('SERVER_UNREACHABLE', `${operation} on "${server}" failed: ${detail}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Check that the server is running; comfy-tether retries while tasks are pending.' : ' Check that the server runs.'}`, options)
    this.detail = redactMessage(detail)
  }
}

/** `POST /upload/image` failed. */
export class UploadFailedError extends ComfyTetherError {
  override readonly name = 'UploadFailedError'
  declare readonly code: 'UPLOAD_FAILED'
  constructor(readonly server: string, readonly fileName: string, detail: string, options?: { cause?: unknown }) {
    super('UPLOAD_FAILED', `Upload of "${fileName}" to "${server}" failed: ${detail}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Check that the file is an image and the server accepts uploads.' : ' Check the file and the server.'}`, options)
  }
}

/** Any other HTTP failure, wrapped with the server and operation. */
export class RequestFailedError extends ComfyTetherError {
  override readonly name = 'RequestFailedError'
  declare readonly code: 'REQUEST_FAILED'
  constructor(readonly server: string, readonly operation: string, readonly status: number | undefined, detail: string, options?: { cause?: unknown }) {
    super('REQUEST_FAILED', `${operation} on "${server}" failed${status ? ` with HTTP ${status}` : ''}: ${detail}.`, options)
  }
}

/**
 * A new task cannot go to the locked server: it is known to be down, and the session lock keeps every call there.
 * Wait for it (`unreachableSince` becomes `null`), or `abandon(server)` to give up its tasks and lock another one.
 */
export class LockedServerDownError extends ComfyTetherError {
  override readonly name = 'LockedServerDownError'
  constructor(readonly lockedServer: string, readonly since: number, readonly pending: readonly string[]) {
    super('LOCKED_SERVER_DOWN', `Cannot submit: the client is locked to "${lockedServer}", unreachable since ${new Date(since).toISOString()}, with ${pending.length} task(s) pending there.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ` Wait until it is reachable again, or call abandon("${lockedServer}") to end those tasks and submit to another server.` : ` Wait, or abandon("${lockedServer}").`}`)
  }
}
