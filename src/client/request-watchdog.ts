import type { AxiosAdapter, AxiosInstance, AxiosResponse, GenericAbortSignal } from 'axios'
import axios, { AxiosError } from 'axios'

/** How much longer than its own `timeout` a request may take before the watchdog ends it. */
const GRACE_MS = 250

/**
 * Ends a request that outlives its `timeout` with axios's own timeout error (`ECONNABORTED`), where the adapter does not
 * enforce it (happy-dom's fetch ignores both the timeout and the abort signal while a black-holed server sends no
 * headers; some embedded webviews too): the call, and the task behind it, would otherwise stay pending for good. The
 * request is also aborted, for adapters that honour that. Returns the function that removes the watchdog.
 */
export function installRequestWatchdog(http: AxiosInstance, after: (ms: number, callback: () => void) => () => void): () => void {
  const id = http.interceptors.request.use((config) => {
    const timeout = config.timeout
    if (!timeout || timeout <= 0)
      return config
    const inner: AxiosAdapter = axios.getAdapter(config.adapter ?? axios.defaults.adapter, config)
    // A signal of the caller's (the client's, aborted by dispose()) still aborts the request: it is forwarded.
    const controller = new AbortController()
    const unlink = forward(config.signal, controller)
    config.signal = controller.signal
    config.adapter = request => new Promise<AxiosResponse>((resolve, reject) => {
      const cancel = after(timeout + GRACE_MS, () => {
        reject(new AxiosError(`timeout of ${timeout}ms exceeded`, AxiosError.ECONNABORTED, request))
        controller.abort()
      })
      inner(request).then((response) => {
        cancel()
        unlink()
        resolve(response)
      }, (error: unknown) => {
        cancel()
        unlink()
        reject(error)
      })
    })
    return config
  })
  return () => http.interceptors.request.eject(id)
}

/** Aborts `controller` when `signal` aborts (now, if it already has); returns the function that stops forwarding. */
function forward(signal: GenericAbortSignal | undefined, controller: AbortController): () => void {
  if (!signal)
    return () => {}
  if (signal.aborted) {
    controller.abort()
    return () => {}
  }
  const abort = (): void => controller.abort()
  signal.addEventListener?.('abort', abort)
  return () => signal.removeEventListener?.('abort', abort)
}
