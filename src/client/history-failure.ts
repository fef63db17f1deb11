import type { ComfyTetherError } from '../core/errors'
import { isComfyTetherError, ProtocolError } from '../core/errors'
import { RequestFailedError } from '../core/request-errors'

/**
 * Waits between the reads of `/history/{id}` that failed after `execution_success`: 5 retries (6 reads, about 3 s in
 * all) before the task fails. A server that answers, but not with a usable entry, will not heal within a prompt.
 */
export const HISTORY_ERROR_RETRY_MS = [100, 200, 400, 800, 1600] as const

/** Reconcile passes in a row whose `/history/{id}` read failed with an answer before the task fails. */
export const MAX_UNREADABLE_PASSES = 4

/**
 * Did the server answer `GET /history/{id}`, only with nothing the client can use (an HTTP error status such as 500,
 * or an entry that cannot be read)? Such a failure counts towards failing the task. A server that did not answer, or a
 * proxy's 502/503/504 (`SERVER_UNREACHABLE`), is an outage instead: the outage clock (`maxOutage`) deals with it.
 */
export function isAnsweredFailure(error: unknown): error is RequestFailedError | ProtocolError {
  return isComfyTetherError(error, 'REQUEST_FAILED') || isComfyTetherError(error, 'PROTOCOL_ERROR')
}

/** The error a task fails with after `reads` failed reads of its history entry, saying what the server answered. */
export function historyReadError(error: RequestFailedError | ProtocolError, promptId: string, reads: number): ComfyTetherError {
  const last = error.message.replace(/^\[comfy-tether\] /, '')
  const detail = `its outputs could not be read: GET /history/${promptId} failed ${reads} times in a row; the last answer: ${last}`
  if (isComfyTetherError(error, 'REQUEST_FAILED'))
    return new RequestFailedError(error.server, `GET /history/${promptId}`, error.status, detail, { cause: error })
  return new ProtocolError(error.server, detail, { cause: error })
}
