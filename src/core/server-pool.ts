import { NoServerAvailableError } from './errors'

/** What the client knows of one configured server. */
export interface ServerStatus {
  /** Normalized base URL. */
  url: string
  /** A name for people. Defaults to the URL's host. */
  label: string
  health: 'unknown' | 'healthy' | 'unreachable'
  /** `exec_info.queue_remaining` of the last `GET /prompt` (running + pending), or `null` if unknown. */
  queueRemaining: number | null
  /** Epoch ms of the last health check. */
  checkedAt: number | null
  /** Why the last check failed. */
  error: string | null
  /**
   * Since when (epoch ms) requests to this server have failed without an answer (refused, timed out, 502-504), or
   * `null` while it answers. Set by the outage clock of a locked server and by health checks; a socket that drops
   * while HTTP answers does not set it. A locked server's tasks are lost `maxOutage` after its last answer.
   */
  unreachableSince: number | null
}

/** A candidate handed to a server-choice strategy. */
export interface ServerCandidate {
  url: string
  label: string
  healthy: boolean
  queueRemaining: number | null
  /** Tasks of this client already pending there. */
  ownPending: number
}

/**
 * Picks the server for a new task from the candidates, or returns `undefined` when none will do.
 * @param candidates - every configured server, in configuration order
 */
export type ServerStrategy = (candidates: readonly ServerCandidate[]) => string | undefined

/** The default: healthy servers only, the shortest queue (own pending tasks included) first, ties in config order. */
export const leastBusyStrategy: ServerStrategy = (candidates) => {
  let best: ServerCandidate | undefined
  for (const candidate of candidates) {
    if (!candidate.healthy)
      continue
    if (!best || load(candidate) < load(best))
      best = candidate
  }
  return best?.url
}

function load(candidate: ServerCandidate): number {
  return (candidate.queueRemaining ?? 0) + candidate.ownPending
}

/** Runs the strategy and checks its answer is a configured, healthy server. */
export function chooseServer(
  statuses: readonly ServerStatus[],
  strategy: ServerStrategy,
  ownPending: (url: string) => number = () => 0,
): string {
  const candidates = statuses.map(s => ({
    url: s.url,
    label: s.label,
    healthy: s.health === 'healthy',
    queueRemaining: s.queueRemaining,
    ownPending: ownPending(s.url),
  }))
  const chosen = strategy(candidates)
  if (chosen === undefined || !statuses.some(s => s.url === chosen && s.health === 'healthy')) {
    const reasons = Object.fromEntries(statuses.filter(s => s.error).map(s => [s.url, s.error as string]))
    const pending = candidates.reduce((sum, c) => sum + c.ownPending, 0)
    throw new NoServerAvailableError(statuses.map(s => s.url), reasons, { pending })
  }
  return chosen
}
