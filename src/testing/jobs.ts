import type { Executor, HistoryEntry, QueueItem } from './executor'

type Job = Record<string, unknown>

function prune(job: Job): Job {
  return Object.fromEntries(Object.entries(job).filter(([, v]) => v !== null && v !== undefined))
}

function fromQueue(item: QueueItem, status: 'pending' | 'in_progress'): Job {
  return prune({
    id: item.promptId,
    status,
    priority: item.number,
    create_time: item.extraData.create_time,
    outputs_count: 0,
    previewable_outputs_count: 0,
  })
}

function fromHistory(id: string, entry: HistoryEntry, detail: boolean): Job {
  const [priority, , prompt, extraData] = entry.prompt as [unknown, string, unknown, Record<string, unknown>]
  let start: unknown
  let end: unknown
  let error: unknown
  let interrupted = false
  for (const [event, data] of entry.status.messages) {
    if (event === 'execution_start')
      start = data.timestamp
    else if (event === 'execution_success' || event === 'execution_error' || event === 'execution_interrupted') {
      end = data.timestamp
      if (event === 'execution_error')
        error = data
      interrupted ||= event === 'execution_interrupted'
    }
  }
  let count = 0
  let preview: Job | undefined
  for (const [nodeId, ui] of Object.entries(entry.outputs)) {
    for (const [mediaType, items] of Object.entries(ui as Record<string, unknown>)) {
      if (!Array.isArray(items))
        continue
      for (const file of items as Job[]) {
        count++
        if (!preview || (preview.type !== 'output' && file.type === 'output'))
          preview = { ...file, nodeId, mediaType }
      }
    }
  }
  const job = prune({
    id,
    status: entry.status.status_str === 'success' ? 'completed' : interrupted ? 'cancelled' : 'failed',
    priority,
    create_time: extraData.create_time,
    execution_start_time: start,
    execution_end_time: end,
    execution_error: error,
    outputs_count: count,
    previewable_outputs_count: count,
    preview_output: preview,
  })
  if (detail) {
    job.outputs = entry.outputs
    job.execution_status = entry.status
    job.workflow = { prompt, extra_data: extraData }
  }
  return job
}

/** `GET /api/jobs/{id}` (0.33.0); null when the id is unknown. */
export function getJob(executor: Executor, id: string): Job | null {
  const done = executor.history.get(id)
  if (done)
    return fromHistory(id, done, true)
  if (executor.running?.promptId === id)
    return fromQueue(executor.running, 'in_progress')
  const waiting = executor.pending.find(i => i.promptId === id)
  return waiting ? fromQueue(waiting, 'pending') : null
}

const ALL_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled']

/** `GET /api/jobs`: every job, newest first, filtered and paged. */
export function listJobs(executor: Executor, options: { status?: string[], sortBy?: string, sortOrder?: string, limit?: number, offset: number }): Job {
  const wanted = new Set(options.status ?? ALL_STATUSES)
  let jobs: Job[] = []
  if (wanted.has('in_progress') && executor.running)
    jobs.push(fromQueue(executor.running, 'in_progress'))
  if (wanted.has('pending'))
    jobs.push(...executor.pending.map(i => fromQueue(i, 'pending')))
  for (const [id, entry] of executor.history) {
    const job = fromHistory(id, entry, false)
    if (wanted.has(job.status as string))
      jobs.push(job)
  }
  const key = options.sortBy === 'execution_duration'
    ? (j: Job): number => (typeof j.execution_end_time === 'number' && typeof j.execution_start_time === 'number' ? j.execution_end_time - j.execution_start_time : 0)
    : (j: Job): number => (typeof j.create_time === 'number' ? j.create_time : 0)
  const direction = options.sortOrder === 'asc' ? 1 : -1
  jobs = jobs.map((j, i) => [j, i] as const).sort(([a, i], [b, k]) => (key(a) - key(b)) * direction || i - k).map(([j]) => j)
  const total = jobs.length
  const page = jobs.slice(options.offset, options.limit === undefined ? undefined : options.offset + options.limit)
  return {
    jobs: page,
    pagination: { offset: options.offset, limit: options.limit ?? null, total, has_more: options.offset + page.length < total },
  }
}

/**
 * `POST /api/jobs/{id}/cancel` (0.33.0): a pending job leaves the queue (and gets no history), the running one is
 * interrupted at its next check and ends `cancelled`; a finished, unknown or malformed id is not cancelled.
 */
export function cancelJob(executor: Executor, id: string): boolean {
  if (executor.running?.promptId === id) {
    executor.interrupt()
    return true
  }
  return executor.deletePending(id)
}
