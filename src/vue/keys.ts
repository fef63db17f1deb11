import type { InjectionKey } from 'vue'
import type { ResolvedComfyOptions } from '../client/options'
import type { ComfyClientSlot } from './client-slot'

/** Where the plugin provides its resolved options. */
export const COMFY_OPTIONS_KEY: InjectionKey<ResolvedComfyOptions> = Symbol(process.env.NODE_ENV !== 'production' ? 'comfy-tether options' : '')

/** @internal Where the plugin provides the app's client. */
export const COMFY_CLIENT_KEY: InjectionKey<ComfyClientSlot> = Symbol(process.env.NODE_ENV !== 'production' ? 'comfy-tether client' : '')
