// The request watchdog and the disposal share one abort controller per request of the client's own: a timeout that
// the adapter does not enforce still ends the call with axios's timeout error and aborts the request, dispose() still
// aborts what is in flight, and a request of the app's (its own signal) is still aborted by that signal.
import type { AxiosAdapter, AxiosResponse, GenericAbortSignal, InternalAxiosRequestConfig } from 'axios'
import axios from 'axios'
import { describe, expect, it } from 'vitest'
import { createDisposal } from '../../src/client/disposal'
import { installRequestWatchdog } from '../../src/client/request-watchdog'

/** An adapter that never answers (a black-holed server whose adapter ignores timeouts), noting each request's signal. */
function blackHole() {
  const signals: GenericAbortSignal[] = []
  const adapter: AxiosAdapter = (config: InternalAxiosRequestConfig) => {
    if (config.signal)
      signals.push(config.signal)
    return new Promise<AxiosResponse>(() => {})
  }
  return { adapter, signals }
}

/** Lets axios run its interceptors and reach the adapter. */
const sent = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 0))

function factory() {
  const { adapter, signals } = blackHole()
  const http = axios.create({ adapter, timeout: 1000, baseURL: 'http://127.0.0.1:8188' })
  /** The watchdog's timers, fired by hand. */
  const timers: (() => void)[] = []
  const disposal = createDisposal()
  const remove = installRequestWatchdog(http, (_ms, callback) => {
    timers.push(callback)
    return () => {}
  }, disposal.controllerOf)
  return { http, requester: disposal.requester(http), disposal, signals, timers, remove }
}

describe('request watchdog', () => {
  it('ends a call of the client that outlives its timeout with axios\'s timeout error, and aborts its request', async () => {
    const { requester, signals, timers } = factory()
    const call = requester.get('/queue', { comfy: { operation: 'GET /queue' } })
    await sent()
    expect(timers).toHaveLength(1)
    timers[0]!()
    await expect(call).rejects.toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 1000ms exceeded' })
    expect(signals).toHaveLength(1)
    expect(signals[0]!.aborted).toBe(true)
  })

  it('lets dispose() abort a call of the client in flight, and rejects it with CLIENT_DISPOSED', async () => {
    const { requester, disposal, signals } = factory()
    const call = requester.get('/queue', { comfy: { operation: 'GET /queue' } })
    await sent()
    disposal.dispose()
    await expect(call).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' })
    expect(signals[0]!.aborted).toBe(true)
  })

  it('still aborts a request of the app\'s when the app aborts its own signal', async () => {
    const { http, signals } = factory()
    const app = new AbortController()
    const call = http.get('/queue', { signal: app.signal })
    call.catch(() => {})
    await sent()
    expect(signals[0]!.aborted).toBe(false)
    app.abort()
    expect(signals[0]!.aborted).toBe(true)
  })

  it('aborts a request of the app\'s that outlives its timeout, leaving the app\'s own signal alone', async () => {
    const { http, signals, timers } = factory()
    const app = new AbortController()
    const call = http.get('/queue', { signal: app.signal })
    await sent()
    timers[0]!()
    await expect(call).rejects.toMatchObject({ code: 'ECONNABORTED' })
    expect(signals[0]!.aborted).toBe(true)
    expect(app.signal.aborted).toBe(false)
  })
})
