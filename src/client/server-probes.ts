import type { LockEvent, LockEventKind } from '../core/lock-log'
import type { ComfyApi } from '../http/comfy-api'
import type { SocketUnavailable } from './server-tether'

/** What the probes of one tethered server read and drive. */
export interface ServerProbeContext {
  server: string
  api: ComfyApi
  healthTimeout: number
  /** The reconcile interval, at which tasks are polled over HTTP when the socket is unavailable. */
  pollInterval: number
  outage: { readonly since: number | null, markReachable: () => void }
  isDisposed: () => boolean
  hasPending: () => boolean
  markUnreachable: () => void
  schedulePoll: () => void
  socketUnavailable: () => SocketUnavailable | null
  setSocketUnavailable: (next: SocketUnavailable) => void
  record: (kind: LockEventKind, message: string, extra?: Partial<LockEvent>) => void
}

/** The server's own word on whether it answers (`GET /prompt`), for what the socket cannot tell. */
export function createServerProbes(ctx: ServerProbeContext) {
  const { server, api } = ctx
  const answers = (): Promise<boolean> => api.queueRemaining(server, ctx.healthTimeout).then(() => true, () => false)

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
     * The socket closed before it ever opened. If HTTP answers, the upgrade itself is refused (an auth proxy answering
     * 401/403, a proxy without WebSocket support): not an outage. Tasks go on over HTTP, polled at the reconcile
     * interval.
     */
    async probeRefusedSocket(code: number): Promise<void> {
      if (!await answers()) {
        if (!ctx.isDisposed() && ctx.hasPending()) {
          ctx.markUnreachable()
          ctx.schedulePoll()
        }
        return
      }
      if (ctx.isDisposed())
        return
      ctx.outage.markReachable()
      if (ctx.socketUnavailable() === null) {
        const reason = `the socket upgrade failed (close code ${code}) while HTTP answers: an auth proxy refusing it (401/403) or a proxy without WebSocket support? Following the tasks over HTTP every ${ctx.pollInterval} ms`
        ctx.setSocketUnavailable({ since: Date.now(), reason })
        ctx.record('socket-closed', `socket to ${server} unavailable: ${reason}`, { server })
      }
      ctx.schedulePoll()
    },
  }
}
