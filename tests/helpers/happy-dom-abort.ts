// happy-dom (21.x) looks at a fetch's abort signal only before its CORS preflight: a request aborted while the
// preflight is still unanswered is sent anyway once it is answered, and its fetch even resolves. A browser rejects
// that fetch with an AbortError and never sends the request. In the chaos run this sent a POST /prompt the client had
// given up on (the `delay` fault holds preflights past requestTimeout) after the client had checked that the server
// never had it and sent it again: one prompt queued twice, by the test environment, not by the client. This restores
// the browser's behaviour for the tests: a request aborted before it is sent is not sent.
import Fetch from 'happy-dom/lib/fetch/Fetch.js'

interface FetchInternals {
  request: { signal: AbortSignal }
  sendRequest: () => Promise<unknown>
}

/** Makes happy-dom's fetch (and its XMLHttpRequest, built on it) reject a request aborted during its preflight. */
export function rejectFetchesAbortedInPreflight(): void {
  const proto = Fetch.prototype as unknown as FetchInternals & { comfyTetherAbortFix?: true }
  if (proto.comfyTetherAbortFix)
    return
  const send = proto.sendRequest
  proto.sendRequest = function (this: FetchInternals): Promise<unknown> {
    const { signal } = this.request
    if (signal.aborted)
      return Promise.reject(signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'))
    return send.call(this)
  }
  proto.comfyTetherAbortFix = true
}
