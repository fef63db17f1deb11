import type { InjectionKey } from 'vue'
import type { ResolvedComfyOptions } from '../client/options'

/** Where the plugin provides its resolved options. */
export const COMFY_OPTIONS_KEY: InjectionKey<ResolvedComfyOptions> = Symbol(process.env.NODE_ENV !== 'production' ? 'comfy-tether options' : '')
