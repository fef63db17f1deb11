import type { ComfyApi } from '../http/comfy-api'
import { isComfyTetherError } from '../core/errors'

/** What waits on a server: the running prompt(s) and the pending ones in the order they will run. */
export interface WaitingPrompts {
  running: string[]
  pending: string[]
}

/** A server's queue, read the cheapest way it offers; and cancel by id where it can. */
export interface ServerQueue {
  /**
   * The prompts waiting on `server`: one `GET /api/jobs?status=in_progress,pending` where the server has the jobs API
   * (ids and priorities only), else `GET /queue` (which carries every queued prompt's whole workflow).
   */
  waiting: (server: string, promptId?: string) => Promise<WaitingPrompts>
  /**
   * The ids of the ended jobs `server` keeps in its history (`GET /api/jobs?status=completed,failed,cancelled`, no
   * workflows in it); `null` when the server has no jobs API.
   */
  ended: (server: string) => Promise<Set<string> | null>
  /** `POST /api/jobs/{id}/cancel` where the server has it; `null` when it has no jobs API (use `/queue` + `/interrupt`). */
  cancel: (server: string, promptId: string) => Promise<boolean | null>
  /** Does `server` have the jobs API? `undefined` until its first answer says. */
  hasJobsApi: (server: string) => boolean | undefined
  /** The server may have restarted (maybe as another version): find out again on the next call. */
  forget: (server: string) => void
}

/**
 * Reads queues and cancels through `api`, detecting the jobs API once per server: a 404 on a jobs route, or a first
 * answer that is not the jobs API's, means none.
 */
export function createServerQueue(api: ComfyApi): ServerQueue {
  const jobsApi = new Map<string, boolean>()
  /** The call that is finding out, per server: concurrent calls wait for its answer rather than ask too. */
  const detecting = new Map<string, Promise<unknown>>()

  /** `call` on a jobs route unless the server is known to have none; `null` when it has none. */
  async function viaJobs<T>(server: string, call: () => Promise<T | null>): Promise<T | null> {
    await detecting.get(server)?.catch(() => {})
    if (jobsApi.get(server) === false)
      return null
    const finding = !jobsApi.has(server)
    const attempt = call().then((result) => {
      jobsApi.set(server, result !== null)
      return result
    }, (error: unknown) => {
      // A first answer that is not the jobs API's (a proxy's page for unknown routes): a server without it.
      if (finding && isComfyTetherError(error, 'PROTOCOL_ERROR')) {
        jobsApi.set(server, false)
        return null
      }
      throw error
    })
    if (finding) {
      detecting.set(server, attempt)
      void attempt.catch(() => {}).finally(() => {
        if (detecting.get(server) === attempt)
          detecting.delete(server)
      })
    }
    return attempt
  }

  return {
    async waiting(server, promptId) {
      const jobs = await viaJobs(server, () => api.jobs(server, ['in_progress', 'pending']))
      if (jobs !== null) {
        const pending = jobs.filter(j => j.status === 'pending').sort((a, b) => a.priority - b.priority)
        return { running: jobs.filter(j => j.status === 'in_progress').map(j => j.id), pending: pending.map(j => j.id) }
      }
      const { running, pending } = await api.queue(server, promptId)
      return { running, pending }
    },
    async ended(server) {
      const jobs = await viaJobs(server, () => api.jobs(server, ['completed', 'failed', 'cancelled']))
      return jobs && new Set(jobs.map(j => j.id))
    },
    cancel: (server, promptId) => viaJobs(server, () => api.cancelJob(server, promptId)),
    hasJobsApi: server => jobsApi.get(server),
    forget: server => void jobsApi.delete(server),
  }
}
