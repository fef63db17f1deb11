import type { ComfyImageRef, HistoryEntry, HistoryOutcome, NodeOutputs } from './api-types'
import { isStringArray } from './json-checks'

// What a parsed history entry says: how the prompt ended, and its images. Apart from the decoder of `GET /history`
// (history-parsers.ts), which loads with the calls that read it.

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

/**
 * Lists every image of every output node, in node id order. Includes `temp` previews as well as saved `output` files.
 * @param outputs - a prompt's outputs (history entry, job, or collected `executed` messages)
 */
export function collectOutputImages(outputs: NodeOutputs): ComfyImageRef[] {
  const images: ComfyImageRef[] = []
  for (const id in outputs) {
    const list = outputs[id]?.images
    if (list === undefined)
      continue
    for (const image of list) images.push(image) // not push(...list): a spread call per node of every `executed` frame
  }
  return images
}
