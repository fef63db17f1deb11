import type { AxiosRequestConfig, GenericAbortSignal } from 'axios'
import type { ComfyRequester } from '../http/comfy-api'
import { ClientDisposedError } from '../core/errors'

/**
 * The end of one client, which every part consults instead of a flag of its own: an await of submit, cancel or the
 * background run of a task goes on only while the client lives, and a request of the client is never sent after it.
 */
export interface Disposal {
  readonly disposed: boolean
  /**
   * Settles like `work`, unless the client is disposed first (or by the time `work` settles): then rejects at once
   * with `ClientDisposedError(operation)`, so the code after the await never runs on a disposed client.
   */
  untilDisposed: <T>(operation: string, work: Promise<T>) => Promise<T>
  /** A call of the app's: refused once disposed, and rejected with `CLIENT_DISPOSED` if the client is disposed meanwhile. */
  whileLive: <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) => (...args: A) => Promise<R>
  /** Throws `ClientDisposedError(operation)` once disposed: before a lock is taken or a socket opened. */
  assertLive: (operation: string) => void
  /**
   * `http`'s `get` and `post`, each request with a signal of its own: refused before it is sent once disposed, and
   * aborted by `dispose()` while in flight (a disposed Node process then has no socket left to wait for).
   */
  requester: (http: ComfyRequester) => ComfyRequester
  /**
   * The controller of a request of `requester` in flight, by its signal: the request watchdog aborts it directly on a
   * timeout, so each request has one controller, not one here and one in the watchdog.
   */
  controllerOf: (signal: GenericAbortSignal) => AbortController | undefined
  dispose: () => void
}

const operationOf = (config: AxiosRequestConfig | undefined): string => config?.comfy?.operation ?? 'a request'

/** Creates the disposal of one client; `dispose()` is called once, first thing in the client's own `dispose()`. */
export function createDisposal(): Disposal {
  let disposed = false
  /** Rejecters of the awaits pending now, and the controllers of the requests in flight (by their signals). */
  const waiting = new Set<() => void>()
  const inFlight = new Map<GenericAbortSignal, AbortController>()

  function untilDisposed<T>(operation: string, work: Promise<T>): Promise<T> {
    if (disposed) {
      work.catch(() => {}) // its outcome no longer matters to anyone
      return Promise.reject(new ClientDisposedError(operation))
    }
    return follow(operation, work)
  }

  function send<R>(config: AxiosRequestConfig | undefined, request: (config: AxiosRequestConfig) => Promise<R>): Promise<R> {
    const operation = operationOf(config)
    if (disposed)
      return Promise.reject(new ClientDisposedError(operation))
    const controller = new AbortController()
    const own = controller.signal
    inFlight.set(own, controller)
    // untilDisposed's promise with the request's clean-up in it: one promise per request, not two.
    return follow(operation, request({ ...config, signal: config?.signal ?? own }), () => inFlight.delete(own))
  }

  /**
   * Settles like `work` while the client lives, and rejects with `CLIENT_DISPOSED` as soon as it is disposed (then or
   * when `work` settles); `done` runs when `work` settles.
   */
  function follow<T>(operation: string, work: Promise<T>, done?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const gone = (): void => reject(new ClientDisposedError(operation))
      waiting.add(gone)
      const settle = (ok: boolean, value: unknown): void => {
        done?.()
        waiting.delete(gone)
        if (disposed)
          gone()
        else if (ok)
          resolve(value as T)
        else
          reject(value)
      }
      work.then(value => settle(true, value), (error: unknown) => settle(false, error))
    })
  }

  return {
    get disposed() {
      return disposed
    },
    untilDisposed,
    whileLive: (operation, call) => (...args) => (disposed ? Promise.reject(new ClientDisposedError(operation)) : untilDisposed(operation, call(...args))),
    assertLive(operation) {
      if (disposed)
        throw new ClientDisposedError(operation)
    },
    requester: http => ({
      get: (url: string, config?: AxiosRequestConfig) => send(config, c => http.get(url, c)),
      post: (url: string, data?: unknown, config?: AxiosRequestConfig) => send(config, c => http.post(url, data, c)),
    }) as ComfyRequester,
    controllerOf: signal => inFlight.get(signal),
    dispose() {
      if (disposed)
        return
      disposed = true
      for (const gone of [...waiting]) gone()
      waiting.clear()
      for (const controller of [...inFlight.values()]) controller.abort()
      inFlight.clear()
    },
  }
}
