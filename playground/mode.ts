/**
 * The affinity mode the playground runs in. It lives in the page's query string (`?affinity=task&maxTasksPerServer=2`)
 * and is read once at start-up: the plugin's options are fixed for the life of the app, so switching reloads the page.
 */
export type Affinity = 'session' | 'task'

export interface PlaygroundMode {
  affinity: Affinity
  /** How many of this client's tasks may be queued on one server at once (task mode only). */
  maxTasksPerServer: number
  /** What in the query could not be used (and was replaced by the default), for the page to say. */
  problems: string[]
}

export const DEFAULT_MAX_TASKS_PER_SERVER = 2
export const MAX_TASKS_PER_SERVER_LIMIT = 20

/** Reads the mode from a query string; anything unusable falls back to the library's defaults, with a note why. */
export function readMode(search: string): PlaygroundMode {
  const query = new URLSearchParams(search)
  const problems: string[] = []
  const rawAffinity = query.get('affinity')
  let affinity: Affinity = 'session'
  if (rawAffinity === 'task' || rawAffinity === 'session')
    affinity = rawAffinity
  else if (rawAffinity !== null)
    problems.push(`affinity=${rawAffinity} is neither "session" nor "task": using "session".`)

  const rawMax = query.get('maxTasksPerServer')
  let maxTasksPerServer = DEFAULT_MAX_TASKS_PER_SERVER
  if (rawMax !== null) {
    const n = Number(rawMax)
    if (Number.isInteger(n) && n >= 1 && n <= MAX_TASKS_PER_SERVER_LIMIT)
      maxTasksPerServer = n
    else
      problems.push(`maxTasksPerServer=${rawMax} is not a whole number from 1 to ${MAX_TASKS_PER_SERVER_LIMIT}: using ${DEFAULT_MAX_TASKS_PER_SERVER}.`)
  }
  return { affinity, maxTasksPerServer, problems }
}

/** The page's URL for a mode, keeping the rest of the query and the hash. */
export function modeHref(current: string, mode: { affinity: Affinity, maxTasksPerServer: number }): string {
  const url = new URL(current)
  url.searchParams.set('affinity', mode.affinity)
  if (mode.affinity === 'task')
    url.searchParams.set('maxTasksPerServer', String(mode.maxTasksPerServer))
  else
    url.searchParams.delete('maxTasksPerServer')
  return url.href
}

/** The mode this page was started with. */
export const currentMode: PlaygroundMode = readMode(typeof location === 'undefined' ? '' : location.search)
