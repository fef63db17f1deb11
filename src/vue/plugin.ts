import type { App, Plugin } from 'vue'
import type { ComfyPluginOptions } from '../client/options'
import { registerSecrets } from '../core/safe-error'
import { COMFY_OPTIONS_KEY } from './keys'
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
      // The store's socket, timers and interceptors die with it.
      const pinia = (app.config.globalProperties as { $pinia?: { _s: Map<string, { $dispose: () => void }> } }).$pinia
      pinia?._s.get('comfy-tether')?.$dispose()
    })
  },
}
