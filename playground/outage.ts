import { useComfyStore } from 'comfy-tether'
import { computed } from 'vue'

/** The playground's `maxOutage`: how long a pending task waits for its unreachable server before it ends `lost`. */
export const MAX_OUTAGE_MS = 30_000

/**
 * Since when (epoch ms) each locked server has been unreachable, for the servers in an outage now. The store gives the
 * earliest outage (`unreachableSince`); a server's own start is its latest `outage` log entry.
 */
export function useOutages() {
  const comfy = useComfyStore()
  return computed(() => {
    const outages = new Map<string, number>()
    const earliest = comfy.unreachableSince
    if (earliest === null)
      return outages
    const locked = new Set(comfy.locks.map(lock => lock.server))
    for (const server of comfy.servers) {
      if (!locked.has(server.url) || server.health !== 'unreachable')
        continue
      let started = earliest
      for (const e of comfy.log) {
        if (e.kind === 'outage' && e.server === server.url && e.code === undefined)
          started = Math.max(started, e.at)
      }
      outages.set(server.url, started)
    }
    return outages
  })
}
