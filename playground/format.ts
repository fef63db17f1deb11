/** Clock time with milliseconds, e.g. `14:03:07.512`. */
export function formatClock(epochMs: number | null | undefined): string {
  if (epochMs == null)
    return '–'
  const d = new Date(epochMs)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** A duration for people: `850 ms`, `4.2 s`, `3 min 5 s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms))
    return '–'
  if (ms < 1000)
    return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000)
    return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** The label of a server URL, from the store's server list. */
export function labelOf(servers: readonly { url: string, label: string }[], url: string | null | undefined): string {
  if (!url)
    return '–'
  return servers.find(s => s.url === url)?.label ?? url
}
