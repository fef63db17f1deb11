import type { ComfyClient, ComfyWorkflow } from '../client'
import type { SlotLeases } from './slot-leases'
import { NoCapableServerError } from '../core/workflow-errors'

/** What {@link placeInFleet} works with. */
export interface FleetPlacement {
  client: ComfyClient
  leases: SlotLeases
  workflow: ComfyWorkflow
  jobId: string
  /** How long to wait before looking again while every capable server is full. */
  pollMs: number
  /** `true` once the worker is shutting down: a job still waiting for a slot then fails (and is retried). */
  stopped: () => boolean
}

/**
 * Chooses a server for a job and takes one of its fleet-wide slots: only healthy servers that can run the workflow,
 * the shortest queue first (then the fewest of the fleet's tasks). Waits while every capable server is full.
 * Rejects with `NO_CAPABLE_SERVER` when every server answered and none has what the workflow needs.
 */
export async function placeInFleet(p: FleetPlacement): Promise<string> {
  for (;;) {
    const [statuses, lacks] = await Promise.all([p.client.refreshServers(), p.client.canRunOn(p.workflow)])
    const known = Object.entries(lacks).filter((e): e is [string, string[]] => e[1] !== null)
    if (known.length === statuses.length && known.every(([, l]) => l.length > 0))
      throw new NoCapableServerError(Object.fromEntries(known))
    const capable = statuses.filter(s => s.health === 'healthy' && lacks[s.url]?.length === 0)
    const counts = await p.leases.counts(capable.map(s => s.url))
    const ranked = capable
      .map((s, i) => ({ url: s.url, queue: s.queueRemaining ?? Number.MAX_SAFE_INTEGER, fleet: counts[i] ?? 0 }))
      .sort((a, b) => a.queue - b.queue || a.fleet - b.fleet)
    for (const { url } of ranked) {
      if (await p.leases.acquire(url, p.jobId))
        return url
    }
    if (p.stopped())
      throw new Error(`[comfy-tether] job ${p.jobId} was still waiting for a server slot when the worker shut down; it will be retried.`)
    await new Promise(resolve => setTimeout(resolve, p.pollMs))
  }
}
