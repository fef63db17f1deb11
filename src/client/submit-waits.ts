import type { Engine } from './engine'

/** What a submit waits for before its `POST /prompt`: the client's restore, and its server's socket (`alive` ends a wait on dispose). */
export function createSubmitWaits(engine: Engine, alive: <T>(work: Promise<T>) => Promise<T>) {
  const { state } = engine

  function waitUntilReady(): Promise<void> {
    if (state.ready)
      return Promise.resolve()
    return alive(new Promise((resolve) => {
      const stop = engine.onChange(() => {
        if (state.ready) {
          stop()
          resolve()
        }
      })
    }))
  }

  /** Waits until the socket is open, known to be unavailable (refused upgrade), or `timeout` passed. */
  function waitForSocket(server: string, timeout: number): Promise<void> {
    const tether = state.tethers.get(server)
    tether?.ensureSocket()
    const usable = (): boolean => !tether || tether.socket.status === 'OPEN' || tether.socketUnavailable !== null
    if (usable() || timeout === 0)
      return Promise.resolve()
    return new Promise((resolve) => {
      const cancel = engine.after(timeout, () => done())
      const stop = engine.onChange(() => usable() && done())
      function done(): void {
        cancel()
        stop()
        resolve()
      }
    })
  }

  return { waitUntilReady, waitForSocket }
}
