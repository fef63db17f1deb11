import type { ParseResult } from './parse-result'
import { fail, isObj, notObject, ok } from './json-checks'

/** The states of ComfyUI's jobs API (`GET /api/jobs`, ComfyUI 0.33 and later). */
export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled'

/** One entry of `GET /api/jobs`: the fields a task needs (the server sends more). */
export interface JobSummary {
  id: string
  status: JobStatus
  /** The queue number: pending jobs run in ascending order of it. */
  priority: number
}

const STATUSES: ReadonlySet<string> = new Set(['pending', 'in_progress', 'completed', 'failed', 'cancelled'])

/**
 * Parses `GET /api/jobs` (`{jobs: [{id, status, priority, …}], pagination}`) into its job summaries.
 * @param json - the decoded response body
 */
export function parseJobList(json: unknown): ParseResult<JobSummary[]> {
  if (!isObj(json))
    return notObject('jobs list', json)
  if (!Array.isArray(json.jobs))
    return fail('jobs is not an array')
  const jobs: JobSummary[] = []
  for (let i = 0; i < json.jobs.length; i++) {
    const job: unknown = json.jobs[i]
    if (!isObj(job) || typeof job.id !== 'string' || typeof job.status !== 'string' || !STATUSES.has(job.status))
      return fail(`jobs[${i}] has no string id and known status`)
    jobs.push({ id: job.id, status: job.status as JobStatus, priority: typeof job.priority === 'number' ? job.priority : 0 })
  }
  return ok(jobs)
}

/**
 * Parses the answer of `POST /api/jobs/{id}/cancel` (`{cancelled: boolean}`).
 * @param json - the decoded response body
 */
export function parseJobCancel(json: unknown): ParseResult<boolean> {
  if (!isObj(json) || typeof json.cancelled !== 'boolean')
    return fail('the answer has no boolean "cancelled"')
  return ok(json.cancelled)
}
