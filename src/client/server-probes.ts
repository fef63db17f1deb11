import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ComfyApi } from '../http/comfy-api'
import type { SocketUnavailable } from './server-tether'
import { isComfyTetherError } from '../core/errors'

/** What the probes of one tethered server read and drive. */
export interface ServerProbeContext {
  /** The client's clock (its timer provider's `now`). */
  now: () => number
  server: string
  api: ComfyApi
  healthTimeout: number
  /** The reconcile interval, at which tasks are polled over HTTP when the socket is unavailable. */
  pollInterval: number
  outage: { readonly since: number | null, markReachable: () => void }
  isDisposed: () => boolean
  hasPending: () => boolean
  markUnreachable: (why: string) => void
  schedulePoll: () => void
  socketUnavailable: () => SocketUnavailable | null
  setSocketUnavailable: (next: SocketUnavailable) => void
  record: (kind: LockEventKind, message: string, extra?: Partial<LockEvent>) => void
}

/** The server's own word on whether it answers (`GET /prompt`), for what the socket cannot tell. */
export function createServerProbes(ctx: ServerProbeContext) {
  const { server, api } = ctx
  /** `null` when the server answers, else what failed. */
  const failure = (): Promise<string | null> => api.queueRemaining(server, ctx.healthTimeout).then(() => null, (error: unknown) => `GET /prompt failed: ${describeFailure(error)}`)
  const answers = (): Promise<boolean> => failure().then(f => f === null)

  return {
    /**
     * Only unsent tasks wait on this server (nothing to reconcile): while it is in an outage, ask it whether it
     * answers again, or they wait for a socket reconnect that may come after `maxOutage` (or never, if the socket
     * stayed open). Still down: the next poll asks again.
     */
    async probeOutage(): Promise<void> {
      if (ctx.outage.since === null)
        return
      if (await answers() && !ctx.isDisposed())
        ctx.outage.markReachable()
      if (!ctx.isDisposed() && ctx.outage.since !== null && ctx.hasPending())
        ctx.schedulePoll()
    },

    /**
     * An open socket dropped (1006, a proxy's idle timeout, a mobile network change). That alone is no outage: the
     * socket reconnects, and a submit meanwhile waits for it or goes on over HTTP. Only if HTTP fails too does the
     * outage start (with what failed), now rather than at the next poll.
     */
    async probeDroppedSocket(): Promise<void> {
      const failed = await failure()
      if (failed !== null && !ctx.isDisposed() && ctx.hasPending())
        ctx.markUnreachable(failed)
    },

    /**
     * The socket closed before it ever opened. If HTTP answers, the upgrade itself is refused (an auth proxy answering
     * 401/403, a proxy without WebSocket support): not an outage. Tasks go on over HTTP, polled at the reconcile
     * interval.
     */
    async probeRefusedSocket(code: number): Promise<void> {
      const failed = await failure()
      if (failed !== null) {
        if (!ctx.isDisposed() && ctx.hasPending()) {
          ctx.markUnreachable(failed)
          ctx.schedulePoll()
        }
        return
      }
      if (ctx.isDisposed())
        return
      ctx.outage.markReachable()
      if (ctx.socketUnavailable() === null) {
        const reason = `the socket upgrade failed (close code ${code}) while HTTP answers: an auth proxy refusing it (401/403) or a proxy without WebSocket support? Following the tasks over HTTP every ${ctx.pollInterval} ms`
        ctx.setSocketUnavailable({ since: ctx.now(), reason })
        ctx.record('socket-closed', `socket to ${server} unavailable: ${reason}`, { server })
      }
      ctx.schedulePoll()
    },
  }
}

/** What failed, in a few words for a log line: the error's message without the prefix and the advice. */
export function describeFailure(error: unknown): string {
  if (isComfyTetherError(error, 'SERVER_UNREACHABLE'))
    return error.detail
  return (error instanceof Error ? error.message : String(error)).replace(/^\[comfy-tether\] /, '').replace(/\.$/, '')
}
