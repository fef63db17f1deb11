import type { LockEvent } from 'comfy-tether'

/** One line of the lock log as the page shows it: an entry, or a run of the same entry repeated. */
export interface FoldedLogLine {
  /** The newest entry of the run (its message and time are shown). */
  entry: LockEvent
  /** How many entries the line stands for (1: not folded). */
  count: number
  /** When the first entry of the run happened. */
  firstAt: number
  /** A failed reconcile (a reconcile entry with an error code). */
  failed: boolean
  /** Stable while the line grows: its first entry's time, and which line of that millisecond it is. */
  key: string
}

/** Entries that repeat while a server is down: a failed reconcile every interval, a socket close every reconnect attempt. */
function foldKey(entry: LockEvent): string | null {
  const repeats = (entry.kind === 'reconcile' && entry.code !== undefined) || entry.kind === 'socket-closed'
  // Numbers (attempts, close codes, milliseconds) differ from one repeat to the next; the rest says what happened.
  return repeats ? `${entry.kind}|${entry.server ?? ''}|${entry.code ?? ''}|${entry.message.replace(/\d+/g, '#')}` : null
}

/**
 * Folds repeats (failed reconciles, socket closes of one server) into one line with a count, oldest first. A repeat
 * joins its line as long as no other kind of event came between them: an outage starting, a socket opening or a task
 * ending starts new lines, so the log still shows the order things happened in.
 */
export function foldLog(log: readonly LockEvent[]): FoldedLogLine[] {
  const lines: FoldedLogLine[] = []
  const open = new Map<string, FoldedLogLine>()
  let previousAt = Number.NaN
  let sameAt = 0
  for (const entry of log) {
    const key = foldKey(entry)
    const line = key === null ? undefined : open.get(key)
    if (line) {
      line.entry = entry
      line.count++
      continue
    }
    sameAt = entry.at === previousAt ? sameAt + 1 : 0
    previousAt = entry.at
    const added: FoldedLogLine = { entry, count: 1, firstAt: entry.at, failed: entry.kind === 'reconcile' && entry.code !== undefined, key: `${entry.at}-${sameAt}` }
    lines.push(added)
    if (key === null)
      open.clear()
    else
      open.set(key, added)
  }
  return lines
}
