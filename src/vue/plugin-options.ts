import type { ComfyClient } from '../client/client-types'
import type { ComfyPluginOptions, ResolvedComfyOptions } from '../client/options'
import { COMFY_DEFAULTS } from '../client/options'
import { invalidOption } from '../client/option-checks'
import { resolveComfyOptions } from '../client/resolve-options'

/** The engine's options, none of which may sit beside `client`: that client was built with its own. */
type EngineOptionsOf<T> = { [K in Exclude<keyof T, 'exposeOnWindow'>]?: never }

/**
 * `app.use(comfyPlugin, { client })`: the app built the client itself (`createComfyClient` from
 * `comfy-tether/client`), e.g. to share it with code outside Vue. The store and `useComfyTask()` use that very
 * object.
 *
 * - The plugin never disposes it: not when the app unmounts, not when the store is disposed. Call
 *   `client.dispose()` yourself when nothing needs it any more.
 * - Its sockets are those of its own factory (the `WebSocket` or `socket` given to `createComfyClient`), not vueuse's
 *   `useWebSocket` that the plugin uses for a client it builds from options.
 * - The engine's options (`servers`, `affinity`, …) were given to `createComfyClient`: beside `client` they are
 *   refused with `INVALID_OPTIONS`. `COMFY_OPTIONS_KEY` is not provided.
 */
export interface ComfyPluginClientOptions extends EngineOptionsOf<ComfyPluginOptions> {
  /** The client the app built with `createComfyClient()`. Not disposed by the plugin. */
  client: ComfyClient
  /** Put `debugLock`, `validateServerConsistency` and `checkUnlockCondition` on `window.comfyTether` (or the given name). @default false */
  exposeOnWindow?: boolean | string
}

/** The plugin's options, as today: the plugin builds the app's client (its sockets on vueuse) and disposes it on unmount. */
export type ComfyPluginConfigOptions = ComfyPluginOptions & {
  /** Only with the engine's options left out: see {@link ComfyPluginClientOptions}. */
  client?: never
}

/** What `app.use(comfyPlugin, …)` takes: the options of a client the plugin builds, or `{ client }` the app built. */
export type ComfyPluginInstallOptions = ComfyPluginConfigOptions | ComfyPluginClientOptions

/** The plugin's options, read: the client the app gave, or the resolved options of the one the plugin builds. */
export type PluginSetup =
  | { client: ComfyClient, resolved?: undefined, exposeOnWindow: string | false }
  | { client?: undefined, resolved: ResolvedComfyOptions, exposeOnWindow: string | false }

function isClient(value: unknown): value is ComfyClient {
  const c = value as Partial<Record<keyof ComfyClient, unknown>> | null
  return typeof c === 'object' && c !== null && ['subscribe', 'observe', 'submit', 'dispose'].every(name => typeof c[name as keyof ComfyClient] === 'function')
}

/**
 * Reads the plugin's options. `{ client }` beside any engine option, a `client` that is not a comfy-tether client,
 * or one already disposed, is refused with `INVALID_OPTIONS`; the options of a client to build are resolved as
 * `createComfyClient` resolves them.
 */
export function readPluginOptions(options: ComfyPluginInstallOptions | undefined): PluginSetup {
  const given = options as Record<string, unknown> | undefined
  if (typeof given !== 'object' || given === null || given.client === undefined) {
    const resolved = resolveComfyOptions(options as ComfyPluginOptions | undefined, ['client']) // `client: undefined` is no typo
    return { resolved, exposeOnWindow: resolved.exposeOnWindow }
  }
  const beside = Object.keys(given).filter(key => key !== 'client' && key !== 'exposeOnWindow' && given[key] !== undefined)
  if (beside.length > 0) {
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? `comfyPlugin takes either { client } or the options of a client to build, not both: ${beside.map(k => `\`${k}\``).join(', ')} given beside \`client\`. Pass them to createComfyClient({ ${beside.join(', ')}, … }) instead, or leave \`client\` out.`
      : `Option \`client\`: given with ${beside.join(', ')}`)
  }
  if (!isClient(given.client)) {
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'Option `client` must be a comfy-tether client, made with createComfyClient() from \'comfy-tether/client\'.'
      : 'Option `client`: not a client')
  }
  if (given.client.disposed) {
    throw invalidOption(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
      ? 'Option `client`: this client was disposed; create another with createComfyClient().'
      : 'Option `client`: disposed')
  }
  return { client: given.client, exposeOnWindow: windowName(given.exposeOnWindow) }
}

function windowName(value: unknown): string | false {
  if (value === true)
    return COMFY_DEFAULTS.exposeOnWindow
  return typeof value === 'string' && value !== '' ? value : false
}
