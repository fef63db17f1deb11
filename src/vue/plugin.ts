import type { App, Plugin } from 'vue'
import type { ComfyPluginOptions } from '../client/options'
import { registerSecrets } from '../core/safe-error'
import { createClientSlot } from './client-slot'
import { COMFY_CLIENT_KEY, COMFY_OPTIONS_KEY } from './keys'
import { resolveComfyOptions } from '../client/resolve-options'
import { useComfyStore } from './use-comfy-store'

/**
 * Installs comfy-tether. Use after `app.use(pinia)`.
 *
 * @example
 * app.use(createPinia())
 * app.use(comfyPlugin, { servers: ['http://127.0.0.1:8188', 'http://127.0.0.1:8189'] })
 */
export const comfyPlugin: Plugin<[ComfyPluginOptions]> = {
  install(app: App, options: ComfyPluginOptions) {
    const resolved = resolveComfyOptions(options)
    app.provide(COMFY_OPTIONS_KEY, resolved)
    const slot = createClientSlot(resolved)
    app.provide(COMFY_CLIENT_KEY, slot)
    // Every configured credential is redacted from errors and log lines while the app lives.
    app.onUnmount(registerSecrets(resolved.servers.flatMap(s => [...Object.values(s.headers ?? {}), ...(s.token ? [s.token] : [])])))
    const name = resolved.exposeOnWindow
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
        .then(({ setupComfyDevtools }) => setupComfyDevtools(app, resolved.logger, unmounted.signal))
        .catch((error: unknown) => resolved.logger.debug('[comfy-tether] Vue devtools integration off: its chunk did not load.', error))
    }
    app.onUnmount(() => {
      // The store disposes its client (sockets, timers, interceptors) and leaves Pinia; a client without one goes too.
      if (slot.live())
        app.runWithContext(() => useComfyStore()).$dispose()
      slot.dispose()
    })
  },
}
