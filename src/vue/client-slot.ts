import type { ComfyClient } from '../client/client-types'
import type { ResolvedComfyOptions } from '../client/options'
import { effectScope } from 'vue'
import { createEngine } from '../client/client'
import { vueSocketFactory } from './vue-socket'

/** Where the plugin keeps the app's client: created on first use, again after the store disposed the last one. */
export interface ComfyClientSlot {
  /** The live client, created now if there is none. */
  acquire: () => ComfyClient
  /** Is a client in use (the store exists)? */
  live: () => boolean
  /** The store is done with `client`: disposed if the slot created it, left to the app if the app gave it. */
  release: (client: ComfyClient) => void
  /** Disposes the live client, if the slot created it. */
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
    release: client => client.dispose(),
    dispose() {
      current?.client.dispose()
    },
  }
}

/**
 * The slot of an app that gave the plugin its own client (`app.use(comfyPlugin, { client })`): always that client,
 * with the sockets of its own factory, and never disposed here: it may serve code outside this app.
 */
export function createProvidedClientSlot(client: ComfyClient): ComfyClientSlot {
  let inUse = false
  return {
    acquire() {
      inUse = true
      return client
    },
    live: () => inUse,
    release() {
      inUse = false
    },
    dispose() {
      inUse = false
    },
  }
}
