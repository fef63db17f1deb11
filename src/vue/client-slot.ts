import type { ComfyClient } from '../client/client-types'
import type { ResolvedComfyOptions } from '../client/options'
import { effectScope } from 'vue'
import { createEngine } from '../client/client'
import { vueSocketFactory } from './vue-socket'

/** Where the plugin keeps the app's client: created on first use, again after the store disposed the last one. */
export interface ComfyClientSlot {
  /** The live client, created now if there is none. */
  acquire: () => ComfyClient
  /** Is a client alive (the store exists)? */
  live: () => boolean
  /** Disposes the live client. */
  dispose: () => void
}

/** Creates the slot of one app. The client's sockets live in an effect scope that dies with the client. */
export function createClientSlot(options: ResolvedComfyOptions): ComfyClientSlot {
  let current: { client: ComfyClient, scope: ReturnType<typeof effectScope> } | undefined
  const live = (): boolean => !!current && !current.client.disposed
  return {
    acquire() {
      if (current && live())
        return current.client
      const scope = effectScope(true)
      const client = createEngine(options, { socket: vueSocketFactory(scope) })
      const dispose = client.dispose
      client.dispose = () => {
        dispose()
        scope.stop()
        if (current?.client === client)
          current = undefined
      }
      current = { client, scope }
      return client
    },
    live,
    dispose() {
      current?.client.dispose()
    },
  }
}
