import type { HistoryEntry, HistoryOutcome } from './api-types'
import { isStringArray } from './json-checks'

// What a parsed history entry says: how the prompt ended. Apart from the decoder of `GET /history`
// (history-parsers.ts), which loads with the calls that read it; only those calls and the reconcile pass use it, so it
// is a module of its own, out of the startup code (a task's images, which a socket's frames need too, are outputs.ts's).
export { collectOutputImages } from './outputs'

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/**
 * Decides how a prompt ended from its history entry.
 *
 * An `execution_error` message means failed and an `execution_interrupted` one means interrupted (both come with
 * `status_str: "error"`); `"success"` with `completed` means succeeded; no status yet means running.
 * @param entry - a parsed history entry
 */
export function historyOutcome(entry: HistoryEntry): HistoryOutcome {
  const status = entry.status
  if (status == null)
    return { state: 'running' }
  const messages = status.messages
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (message === undefined)
      continue
    const [type, data] = message
    if (type === 'execution_interrupted') {
      const nodeId = data.node_id
      return typeof nodeId === 'string' ? { state: 'interrupted', nodeId } : { state: 'interrupted' }
    }
    if (type === 'execution_error') {
      return {
        state: 'failed',
        error: {
          node_id: str(data.node_id),
          node_type: str(data.node_type),
          exception_type: str(data.exception_type),
          exception_message: str(data.exception_message),
          traceback: isStringArray(data.traceback) ? data.traceback : [],
        },
      }
    }
  }
  if (status.status_str === 'success' && status.completed)
    return { state: 'succeeded', outputs: entry.outputs }
  if (status.status_str === 'error') {
    return {
      state: 'failed',
      error: {
        node_id: '',
        node_type: '',
        exception_type: 'UnknownError',
        exception_message: 'the server recorded status "error" without an execution_error message',
        traceback: [],
      },
    }
  }
  return { state: 'running' }
}
