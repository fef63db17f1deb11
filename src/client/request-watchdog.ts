import type { AxiosAdapter, AxiosInstance, AxiosResponse, GenericAbortSignal } from 'axios'
import axios, { AxiosError } from 'axios'

/** How much longer than its own `timeout` a request may take before the watchdog ends it. */
const GRACE_MS = 250

/**
 * The controller behind a request's signal when the caller made it for that one request (the client's disposal does,
 * for each request of its own): the watchdog then aborts it directly instead of making a second controller and
 * forwarding the caller's signal to it (each controller and each abort listener costs microseconds per request).
 */
export type RequestControllerOf = (signal: GenericAbortSignal) => AbortController | undefined

/**
 * Ends a request that outlives its `timeout` with axios's own timeout error (`ECONNABORTED`), where the adapter does not
 * enforce it (happy-dom's fetch ignores both the timeout and the abort signal while a black-holed server sends no
 * headers; some embedded webviews too): the call, and the task behind it, would otherwise stay pending for good. The
 * request is also aborted, for adapters that honour that. Returns the function that removes the watchdog.
 */
export function installRequestWatchdog(http: AxiosInstance, after: (ms: number, callback: () => void) => () => void, controllerOf?: RequestControllerOf): () => void {
  const id = http.interceptors.request.use((config) => {
    const timeout = config.timeout
    if (!timeout || timeout <= 0)
      return config
    const inner: AxiosAdapter = axios.getAdapter(config.adapter ?? axios.defaults.adapter, config)
    const signal = config.signal
    // A request's own controller is aborted directly; any other signal of the caller's still aborts the request: it is
    // forwarded to a controller of the watchdog's.
    let controller = signal ? controllerOf?.(signal) : undefined
    let unlink: (() => void) | undefined
    if (!controller) {
      controller = new AbortController()
      unlink = forward(signal, controller)
      config.signal = controller.signal
    }
    const abort = controller
    config.adapter = request => new Promise<AxiosResponse>((resolve, reject) => {
      const cancel = after(timeout + GRACE_MS, () => {
        reject(new AxiosError(`timeout of ${timeout}ms exceeded`, AxiosError.ECONNABORTED, request))
        // Aborted only once axios has taken the timeout error (its handler runs in the microtask that reject queued):
        // a signal aborted before that made axios answer `ERR_CANCELED` ("canceled") instead.
        queueMicrotask(() => abort.abort())
      })
      inner(request).then((response) => {
        cancel()
        unlink?.()
        resolve(response)
      }, (error: unknown) => {
        cancel()
        unlink?.()
        reject(error)
      })
    })
    return config
  }, undefined, { synchronous: true }) // no await inside: axios then skips a promise tick per request
  return () => http.interceptors.request.eject(id)
}

/** Aborts `controller` when `signal` aborts (now, if it already has); returns the function that stops forwarding. */
function forward(signal: GenericAbortSignal | undefined, controller: AbortController): (() => void) | undefined {
  if (!signal)
    return undefined
  if (signal.aborted) {
    controller.abort()
    return undefined
  }
  const abort = (): void => controller.abort()
  signal.addEventListener?.('abort', abort)
  return () => signal.removeEventListener?.('abort', abort)
}
