// The probes of a tethered server (does it answer `GET /prompt` when its socket fails?) are a chunk of their own,
// loaded by the first probe: each is asynchronous anyway, and a server whose socket never fails never needs them.
import type { createServerProbes as create, ServerProbeContext } from './server-probes'
import { lazyChunk } from '../core/lazy-chunk'

const load = lazyChunk('server probes', () => import('./server-probes'))

type Probes = ReturnType<typeof create>

/** `createServerProbes` of server-probes.ts, its code loaded by the first probe (which rejects with a `ChunkLoadError` if that fails). */
export function createServerProbes(ctx: ServerProbeContext): Probes {
  let probes: Probes | undefined
  const loaded = async (): Promise<Probes> => {
    const chunk = await load()
    return probes ??= chunk.createServerProbes(ctx)
  }
  return {
    probeOutage: async () => (await loaded()).probeOutage(),
    probeDroppedSocket: async () => (await loaded()).probeDroppedSocket(),
    probeRefusedSocket: async (code: number) => (await loaded()).probeRefusedSocket(code),
  }
}
