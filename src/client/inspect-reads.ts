// The reads of inspect.ts that no startup path needs: the debug trio (debugLock, validateServerConsistency,
// checkUnlockCondition) and the capability reads (canRunOn, refreshNodeInfo). They load in the background chunk when the
// client is created (see load-background.ts).
import type { ServerConsistency, UnlockCondition } from '../core/server-lock'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { WorkflowTemplate } from '../core/workflow-template'
import type { Engine } from './engine'
import type { ServerTether } from './server-tether'
import type { LockDebugInfo } from './types'
import { checkServerConsistency, checkUnlockCondition as unlockRule } from '../core/lock-checks'
import { configuredServer } from '../core/server-identity'
import { redactUrl, serverOfUrl } from '../core/server-url'
import { loadWorkflowChecks } from './load-workflow-checks'

/** The lazy reads of `engine`'s inspection; `getApiBaseUrl` is inspect.ts's (where a call made now goes). */
export function createInspectReads(engine: Engine, getApiBaseUrl: (promptId?: string) => string | undefined) {
  const { state, sessionMode, serverUrls, options, objectInfos } = engine

  function socketServerOf(tether: ServerTether | undefined): string | undefined {
    const ws = tether?.ws
    return ws && tether.socket.status !== 'CLOSED' ? serverOfUrl(ws.url, serverUrls) : undefined
  }

  const pendingIdsOn = (tether: ServerTether | undefined): string[] => (tether ? state.pendingOn(tether.server).map(t => t.promptId) : [])

  return {
    /** Do the lock, the socket and the API base URL agree (for the session lock, or for one task's server)? */
    validateServerConsistency(operation = 'check', promptId?: string): ServerConsistency {
      if (promptId !== undefined) {
        const server = getApiBaseUrl(promptId)
        const tether = server === undefined ? undefined : state.tethers.get(server)
        if (!tether)
          return { consistent: true, server: server ?? null, operation }
        return checkServerConsistency({ lock: tether.lock, apiServer: server, socketServer: socketServerOf(tether), pendingCount: pendingIdsOn(tether).length, operation })
      }
      if (!sessionMode) {
        for (const tether of state.tethers.values()) {
          const verdict = checkServerConsistency({ lock: tether.lock, apiServer: tether.server, socketServer: socketServerOf(tether), pendingCount: pendingIdsOn(tether).length, operation })
          if (!verdict.consistent)
            return verdict
        }
        return { consistent: true, server: null, operation }
      }
      return checkServerConsistency({ lock: state.lock, apiServer: getApiBaseUrl(), socketServer: socketServerOf(state.sessionTether()), pendingCount: engine.cache.pendingCount, operation })
    },
    /** May the lock (of the session, or of one server) be released now? */
    checkUnlockCondition(server?: string): UnlockCondition {
      const tether = server === undefined ? state.sessionTether() ?? state.tethers.values().next().value : state.tethers.get(configuredServer(server, serverUrls, 'checkUnlockCondition'))
      return unlockRule(tether?.lock ?? null, pendingIdsOn(tether))
    },
    /** A plain snapshot of the locks, sockets and pending tasks, for the console (one task's view with `promptId`). */
    debugLock(promptId?: string): LockDebugInfo {
      const taskServer = promptId === undefined ? undefined : getApiBaseUrl(promptId)
      const tether = taskServer !== undefined ? state.tethers.get(taskServer) : state.sessionTether()
      const pending = Array.from(engine.cache.pending(), t => t.snapshot).filter(t => taskServer === undefined || t.server === taskServer).sort((a, b) => a.createdAt - b.createdAt)
      return {
        affinity: options.affinity,
        lock: state.lock,
        locks: state.locks,
        clientId: state.clientId,
        socket: tether ? { ...tether.socket, url: tether.ws ? redactUrl(tether.ws.url) : null } : null,
        sockets: state.sockets,
        pending: pending.map(t => ({ promptId: t.promptId, state: t.state, server: t.server })),
        unreachableSince: state.unreachableSince,
        malformedFrames: state.malformedFrames,
      }
    },
    /** Reads again the node info cached for `server` (a configured server, as the URL model resolves it), or for every server. */
    async refreshNodeInfo(server?: string): Promise<void> {
      await objectInfos.refresh(server === undefined ? serverUrls : [configuredServer(server, serverUrls, 'refreshNodeInfo')])
    },
    /** What each server lacks to run `workflow` (`[]`: it can; `null`: unknown, e.g. never read and another server is locked). */
    async canRunOn(workflow: ComfyWorkflow | UiWorkflow | WorkflowTemplate): Promise<Record<string, string[] | null>> {
      const held = sessionMode ? state.heldSessionServer() : undefined
      const { lacksByServer } = await loadWorkflowChecks()
      return lacksByServer(workflow, serverUrls, (server, classes) => !held || held === server ? objectInfos.get(server, classes).catch(() => undefined) : objectInfos.peek(server, classes))
    },
  }
}
