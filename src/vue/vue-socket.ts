import type { EffectScope } from 'vue'
import type { ComfySocketFactory } from '../client/socket'
import { effectScope, shallowRef, watch } from 'vue'
import { ClientDisposedError } from '../core/errors'
import { useComfySocket } from './use-comfy-socket'

/**
 * The client's socket factory in the Vue layer: each socket is vueuse's `useWebSocket` (through `useComfySocket`) in
 * a child scope of `parent`, on a URL ref that only the client changes (to the locked server's URL, or `undefined`).
 */
export function vueSocketFactory(parent: EffectScope): ComfySocketFactory {
  return (options) => {
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
}
