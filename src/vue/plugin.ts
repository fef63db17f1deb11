import type { App, Plugin } from 'vue'
import type { ComfyLogger } from '../client/options'
import type { ComfyClientSlot } from './client-slot'
import type { ComfyPluginInstallOptions } from './plugin-options'
import { registerSecrets } from '../core/safe-error'
import { createClientSlot, createProvidedClientSlot } from './client-slot'
import { COMFY_CLIENT_KEY, COMFY_OPTIONS_KEY } from './keys'
import { readPluginOptions } from './plugin-options'
import { useComfyStore } from './use-comfy-store'

/** A client the app gave logs through its own logger; the plugin's only line (devtools off) is a debug one. */
const QUIET: ComfyLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/**
 * Installs comfy-tether. Use after `app.use(pinia)`. Takes the options of a client it builds (its sockets on vueuse,
 * disposed when the app unmounts), or `{ client }`: one the app built with `createComfyClient()`, used as it is and
 * never disposed by the plugin (see `ComfyPluginClientOptions`). Both at once are refused with `INVALID_OPTIONS`.
 *
 * @example
 * app.use(createPinia())
 * app.use(comfyPlugin, { servers: ['http://127.0.0.1:8188', 'http://127.0.0.1:8189'] })
 * // or, with a client shared with code outside Vue:
 * app.use(comfyPlugin, { client: createComfyClient({ servers: ['http://127.0.0.1:8188'] }) })
 */
export const comfyPlugin: Plugin<[ComfyPluginInstallOptions]> = {
  install(app: App, options: ComfyPluginInstallOptions) {
    const setup = readPluginOptions(options)
    let slot: ComfyClientSlot
    let logger = QUIET
    if (setup.client) {
      // createComfyClient registered the client's credentials for redaction until its own dispose().
      slot = createProvidedClientSlot(setup.client)
    }
    else {
      const { resolved } = setup
      app.provide(COMFY_OPTIONS_KEY, resolved)
      slot = createClientSlot(resolved)
      logger = resolved.logger
      // Every configured credential is redacted from errors and log lines while the app lives.
      app.onUnmount(registerSecrets(resolved.servers.flatMap(s => [...Object.values(s.headers ?? {}), ...(s.token ? [s.token] : [])])))
    }
    app.provide(COMFY_CLIENT_KEY, slot)
    const name = setup.exposeOnWindow
    if (name && typeof window !== 'undefined') {
      // Debug helpers for the console; the store is created lazily on first use.
      const helpers = app.runWithContext(() => {
        const store = (): ReturnType<typeof useComfyStore> => app.runWithContext(() => useComfyStore())
        return {
          debugLock: (promptId?: string) => store().debugLock(promptId),
          validateServerConsistency: (operation?: string, promptId?: string) => store().validateServerConsistency(operation, promptId),
          checkUnlockCondition: (server?: string) => store().checkUnlockCondition(server),
        }
      })
      Reflect.set(window, name, helpers)
      app.onUnmount(() => {
        if (Reflect.get(window, name) === helpers)
          Reflect.deleteProperty(window, name)
      })
    }
    // Dev builds only: production bundles drop this branch, and with it the devtools chunk and its import. Not under
    // test runners either (NODE_ENV 'test'), as Pinia does: no devtools there, and its plugin buffer would keep the app.
    if (process.env.NODE_ENV !== 'production' && process.env.NODE_ENV !== 'test' && typeof window !== 'undefined') {
      const unmounted = new AbortController()
      app.onUnmount(() => unmounted.abort())
      import('./devtools')
        .then(({ setupComfyDevtools }) => setupComfyDevtools(app, logger, unmounted.signal))
        .catch((error: unknown) => logger.debug('[comfy-tether] Vue devtools integration off: its chunk did not load.', error))
    }
    app.onUnmount(() => {
      // The store leaves Pinia and releases its client: disposed (sockets, timers, interceptors) if the plugin built
      // it, left running if the app gave it. A client the plugin built without a store goes too.
      if (slot.live())
        app.runWithContext(() => useComfyStore()).$dispose()
      slot.dispose()
    })
  },
}
