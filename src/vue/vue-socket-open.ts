// A socket of the Vue layer: vueuse's `useWebSocket` (through `useComfySocket`), loaded in the background from the
// client's creation (see vue-socket.ts): only a locked server's tether or a resumed prompt opens one.
import type { EffectScope } from 'vue'
import type { ComfySocket, ComfySocketOptions } from '../client/socket'
import { effectScope, shallowRef, watch } from 'vue'
import { ClientDisposedError } from '../core/errors'
import { useComfySocket } from './use-comfy-socket'

/** Opens a socket for `options` in a child scope of `parent`, on a URL ref that only the client changes (`urlChanged()`). */
export function openVueSocket(parent: EffectScope, options: ComfySocketOptions): ComfySocket {
  const scope = parent.run(() => effectScope())
  if (!scope)
    throw new ClientDisposedError('Opening the socket')
  const url = shallowRef(options.url())
  const socket = scope.run(() => {
    const created = useComfySocket(url, options)
    watch(created.state, state => options.onState(state), { flush: 'sync' })
    return created
  })
  if (!socket)
    throw new ClientDisposedError('Opening the socket')
  return {
    get state() {
      return socket.state.value
    },
    get ws() {
      return socket.ws.value
    },
    urlChanged() {
      url.value = options.url()
    },
    reconnect: socket.reconnect,
    open: socket.open,
    dispose: () => scope.stop(),
  }
}
