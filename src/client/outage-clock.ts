import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ServerStatus } from '../core/server-pool'
import type { ComfyLogger } from './options'

/** The shortest wait for the last check's answer, when the outage is noticed after its deadline. */
const LAST_CHECK_MIN_MS = 250

/** What one server's outage clock needs. */
export interface OutageContext {
  /** The client's clock (its timer provider's `now`). */
  now: () => number
  server: string
  maxOutage: number
  after: (ms: number, callback: () => void) => () => void
  record: (kind: LockEventKind, message: string, extra?: Partial<LockEvent>) => void
  /** Where the start (warn), the end (info) and the expiry (warn) of an outage are told, besides the lock log. */
  logger: ComfyLogger
  /** How many tasks wait on the server (for the log lines). */
  pendingCount: () => number
  updateServer: (url: string, patch: Partial<ServerStatus>) => void
  /** `unreachableSince` changed. */
  changed: () => void
  /** The server gave no answer for longer than `maxOutage`: end its pending tasks as lost. */
  onExpired: () => void
  /** How long the last check before the tasks are lost may take (the client's `healthTimeout`). */
  healthTimeout: number
  /**
   * Asks the server now (`GET /prompt` within `timeoutMs`): `true` if it answered. Its answer ends the outage by itself
   * (every HTTP answer does); the clock only needs to know whether one came.
   */
  askNow: (timeoutMs: number) => Promise<boolean>
}

/**
 * The outage rule of one locked server. An outage starts when a request to the server fails (a socket that drops while
 * HTTP answers is none), and ends when the server answers again. Its tasks are lost once the server has given no answer
 * for `maxOutage`, counted from its last answer (an HTTP response or a socket frame), not from when the failure was
 * noticed: a black-holed server is noticed only when a request times out. Before the tasks are lost the server is
 * asked once more, so that the answer is in by the deadline: the client may have sent nothing fresh for a while (its
 * poll and socket stuck on requests a black hole swallowed), and a server that answers now is not down. Waiters (a
 * submit that must not send into the outage) wake when it ends either way.
 */
export function createOutageClock(ctx: OutageContext) {
  const { server, maxOutage } = ctx
  let since: number | null = null
  let lastAnswerAt = ctx.now()
  let cancelExpiry: (() => void) | undefined
  const waiters = new Set<() => void>()
  let stopped = false

  function wake(): void {
    for (const resolve of [...waiters]) resolve()
    waiters.clear()
  }

  function tell(level: 'warn' | 'info', message: string, extra: Partial<LockEvent> = {}): void {
    ctx.record('outage', message, { server, ...extra })
    ctx.logger[level](message)
  }

  /**
   * Ends the tasks once `maxOutage` has passed since the last answer; an answer meanwhile (a frame) pushes it back. The
   * server is asked once more first, `healthTimeout` before that deadline, so that the verdict is in by then.
   */
  function armExpiry(): void {
    const lead = Math.min(ctx.healthTimeout, maxOutage)
    cancelExpiry = ctx.after(Math.max(0, lastAnswerAt + maxOutage - lead - ctx.now()), () => {
      cancelExpiry = undefined
      if (since === null || stopped)
        return
      if (ctx.now() - lastAnswerAt < maxOutage - lead)
        return armExpiry()
      // Its answer must be in by the deadline; an outage noticed after it (a timed-out request) still gets a moment.
      const deadline = lastAnswerAt + maxOutage
      expireUnlessAnswered(deadline, Math.max(deadline - ctx.now(), Math.min(lead, LAST_CHECK_MIN_MS)))
    })
  }

  /**
   * The last check, given `timeoutMs` (also when the deadline has passed already: an outage noticed late). An answer to
   * it (which ends the outage) or a frame meanwhile keeps the tasks; else they are lost, not before `deadline`.
   */
  function expireUnlessAnswered(deadline: number, timeoutMs: number): void {
    let answered: boolean | undefined
    let due = false
    const decide = (): void => {
      if (answered === undefined || !due || since === null || stopped)
        return
      if (answered || ctx.now() - lastAnswerAt < maxOutage)
        return armExpiry()
      tell('warn', `${server} gave no answer for longer than maxOutage (${maxOutage} ms, since ${new Date(lastAnswerAt).toISOString()}), nor to a last GET /prompt: its ${ctx.pendingCount()} pending task(s) are lost`, { code: 'TASK_LOST' })
      ctx.onExpired()
      wake()
    }
    void ctx.askNow(timeoutMs).then((ok) => {
      answered = ok
      decide()
    })
    cancelExpiry = ctx.after(Math.max(0, deadline - ctx.now()), () => {
      cancelExpiry = undefined
      due = true
      decide()
    })
  }

  /** The server answered a request: healthy, and the outage (if any) is over. */
  function markReachable(): void {
    lastAnswerAt = ctx.now()
    ctx.updateServer(server, { health: 'healthy', error: null, unreachableSince: null })
    if (since === null)
      return
    const lasted = lastAnswerAt - since
    since = null
    ctx.changed()
    cancelExpiry?.()
    cancelExpiry = undefined
    if (!stopped)
      tell('info', `${server} answers again after ${lasted} ms unreachable; its ${ctx.pendingCount()} pending task(s) go on`)
    wake()
  }

  return {
    /** Epoch ms the outage started (the first failed request), or `null`. */
    get since(): number | null {
      return since
    },
    /** Starts the clock if it is not running; `true` when it started now. `why` says what failed, for the log. */
    markUnreachable(why?: string): boolean {
      if (since !== null || stopped)
        return false
      since = ctx.now()
      ctx.changed()
      ctx.updateServer(server, { health: 'unreachable', unreachableSince: since })
      // maxOutage: Infinity means the tasks wait for the server for ever (abandon() is the way out): no deadline.
      const until = Number.isFinite(maxOutage)
        ? `, or are lost at ${new Date(lastAnswerAt + maxOutage).toISOString()} (maxOutage ${maxOutage} ms after its last answer)`
        : ' (maxOutage is Infinity: call abandon() to give it up)'
      tell('warn', `${server} is unreachable${why ? ` (${why})` : ''}; its ${ctx.pendingCount()} task(s) stay pending until it answers again${until}`)
      armExpiry()
      return true
    },
    /** Epoch ms of the server's last answer (an HTTP response or a socket frame). */
    get lastAnswerAt(): number {
      return lastAnswerAt
    },
    /**
     * A socket frame arrived (at `at`, when the socket read the clock already): the server is alive (it pushes the
     * expiry back, but says nothing of HTTP).
     */
    noteAnswer(at: number = ctx.now()): void {
      lastAnswerAt = at
    },
    markReachable,
    /** An HTTP answer from the server, on any call: ends an outage; otherwise only notes the time (no state change). */
    answered(): void {
      if (since === null)
        lastAnswerAt = ctx.now()
      else
        markReachable()
    },
    /** Resolves when the server is reachable (no outage), or at once if it is. */
    whenReachable(): Promise<void> {
      if (since === null || stopped)
        return Promise.resolve()
      return new Promise((resolve) => {
        waiters.add(resolve)
      })
    },
    /** The tether is gone: wake the waiters, start nothing more. */
    stop(): void {
      stopped = true
      cancelExpiry?.()
      cancelExpiry = undefined
      wake()
    },
  }
}
