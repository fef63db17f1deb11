import type { SimRequest, SimResponse } from './http-util'
import type { Route, RouteContext } from './http-routes'
import { jsonResponse, readJson } from './http-util'
import { cancelJob, getJob, listJobs } from './jobs'

// ComfyUI 0.33's jobs API (`/api/jobs…`, registered with its prefix only), as recorded in transcripts 10 and 14.

function jobsList(req: SimRequest, { executor }: RouteContext): SimResponse {
  const int = (name: string, fallback?: number): number | undefined => {
    const text = req.query.get(name)
    if (text === null)
      return fallback
    const n = Number(text)
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n))
      throw new RangeError(`${name} must be a non-negative integer`)
    return n
  }
  try {
    const status = req.query.get('status')
    return jsonResponse(listJobs(executor, {
      status: status ? status.split(',').map(s => s.trim()).filter(Boolean) : undefined,
      sortBy: req.query.get('sort_by') ?? undefined,
      sortOrder: req.query.get('sort_order') ?? undefined,
      limit: int('limit'),
      offset: int('offset', 0) ?? 0,
    }))
  }
  catch (e) {
    return jsonResponse({ error: (e as Error).message }, 400)
  }
}

function cancelJobs(req: SimRequest, { executor }: RouteContext): SimResponse {
  const body = readJson(req)
  const ids = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).job_ids : undefined
  if (!Array.isArray(ids))
    return jsonResponse({ error: 'job_ids must be a list' }, 400)
  let cancelled = false
  for (const id of ids) {
    if (typeof id === 'string') {
      req.note.promptIds.push(id)
      cancelled = cancelJob(executor, id) || cancelled
    }
  }
  return jsonResponse({ cancelled })
}

/** The jobs routes, for the route table. */
export const JOBS_ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/api\/jobs$/, only: '0.33.0', handler: jobsList },
  { method: 'POST', pattern: /^\/api\/jobs\/cancel$/, only: '0.33.0', handler: cancelJobs },
  {
    method: 'POST',
    pattern: /^\/api\/jobs\/([^/]+)\/cancel$/,
    only: '0.33.0',
    handler: (req, { executor }, [id = '']) => {
      req.note.promptIds.push(id)
      return jsonResponse({ cancelled: cancelJob(executor, id) })
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/jobs\/([^/]+)$/,
    only: '0.33.0',
    handler: (req, { executor }, [id = '']) => {
      req.note.promptIds.push(id)
      return jsonResponse(getJob(executor, id) ?? { error: 'Job not found' }, getJob(executor, id) ? 200 : 404)
    },
  },
]
