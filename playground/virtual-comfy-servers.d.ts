// The servers the playground talks to, from `vite-plugin-comfy-servers.ts`.
declare module 'virtual:comfy-servers' {
  /** Base URLs of the ComfyUI servers, in order. */
  export const servers: string[]
  /** A short name per server (the simulators are A, B, C). */
  export const labels: string[]
  /** `true` when the servers are simulators that the dev server can drive through `/__comfy/sim/*`. */
  export const simulated: boolean
}
