// The client's socket factory in the Vue layer. The socket itself (vueuse's `useWebSocket`, vue-socket-open.ts) is a
// chunk the factory starts loading when the client is created, beside the engine's background chunk: only a locked
// server's tether or a resumed prompt opens a socket, and both come from chunks that load the same way. A socket asked
// for before it is there is a stand-in that reads CLOSED, then opens the real one as soon as it loads (which reads the
// URL afresh and connects if it is set) and forwards every call to it.
import type { EffectScope } from 'vue'
import type { ComfySocket, ComfySocketFactory, ComfySocketOptions } from '../client/socket'
import type { openVueSocket } from './vue-socket-open'
import { CLOSED_SOCKET } from '../client/types'
import { lazyChunk } from '../core/lazy-chunk'

let loaded: typeof openVueSocket | undefined
const load = lazyChunk('Vue socket', () => import('./vue-socket-open').then(chunk => loaded = chunk.openVueSocket))

/** Each socket is vueuse's `useWebSocket` in a child scope of `parent`, on a URL that only the client changes. */
export function vueSocketFactory(parent: EffectScope): ComfySocketFactory {
  load().catch(() => {}) // a socket asked for later tries again
  return options => (loaded ? loaded(parent, options) : pendingSocket(parent, options))
}

/** A socket asked for before its chunk is there: closed until it loads (a failed load is tried again by `open()` and `urlChanged()`). */
function pendingSocket(parent: EffectScope, options: ComfySocketOptions): ComfySocket {
  let real: ComfySocket | undefined
  let disposed = false
  const attach = (): void => {
    load().then((open) => {
      if (real || disposed)
        return
      real = open(parent, options)
      if (real.state.status !== 'CLOSED')
        options.onState(real.state) // it is connecting already: the tether hears it as from any socket
    }).catch(() => {}) // disposed meanwhile (the client's scope stopped), or the load failed: the next call tries again
  }
  attach()
  return {
    get state() {
      return real ? real.state : CLOSED_SOCKET
    },
    get ws() {
      return real?.ws
    },
    urlChanged: () => (real ? real.urlChanged() : attach()),
    reconnect: () => real?.reconnect(),
    open: () => (real ? real.open() : attach()),
    dispose() {
      disposed = true
      real?.dispose()
    },
  }
}
