import type { Pinia } from 'pinia'
import type { App, EffectScope } from 'vue'
import type { LockEvent } from '../core/lock-log'
import type { DevtoolsInspectorNode, DevtoolsInspectorState, DevtoolsTimelineEvent, LockSnapshot } from './devtools-format'
import type { ComfyLogger } from '../client/options'
import type { ComfyStore } from './use-comfy-store'
import { effectScope, watch } from 'vue'
import { inspectorState, inspectorTree, timelineEvent } from './devtools-format'

/** The part of `@vue/devtools-api` (v8) this file uses; the real module is checked against it where it is imported. */
export interface DevtoolsPluginApi {
  addInspector: (options: { id: string, label: string, icon?: string, treeFilterPlaceholder?: string, noSelectionText?: string }) => void
  addTimelineLayer: (options: { id: string, label: string, color: number }) => void
  addTimelineEvent: (options: { layerId: string, event: DevtoolsTimelineEvent }) => void
  sendInspectorTree: (inspectorId: string) => void
  sendInspectorState: (inspectorId: string) => void
  on: {
    getInspectorTree: (handler: (payload: { app: unknown, inspectorId: string, filter: string, rootNodes: DevtoolsInspectorNode[] }) => void) => void
    getInspectorState: (handler: (payload: { app: unknown, inspectorId: string, nodeId: string, state: DevtoolsInspectorState }) => void) => void
  }
}

/** `@vue/devtools-api`, as far as it is used here. */
export interface DevtoolsApiModule {
  setupDevtoolsPlugin: (
    descriptor: { id: string, label: string, packageName: string, app: App, componentStateTypes: string[] },
    setup: (api: DevtoolsPluginApi) => void,
  ) => void
}

/** @internal Ids the devtools panes use. */
export const DEVTOOLS_INSPECTOR_ID = 'comfy-tether'
/** @internal */
export const DEVTOOLS_TIMELINE_ID = 'comfy-tether:lock'

const STORE_ID = 'comfy-tether'
let reportedMissing = false

async function loadDevtoolsApi(): Promise<DevtoolsApiModule> {
  // Typed against the installed v8 API: a breaking change there fails the type check here.
  const api: DevtoolsApiModule = await import('@vue/devtools-api')
  return api
}

function snapshotOf(store: ComfyStore): LockSnapshot {
  return { servers: store.servers, locks: store.locks, sockets: store.sockets, tasks: store.tasks }
}

/** Calls `attach` with the comfy-tether store: the one that exists now, and any the app creates later (after `$dispose()`). */
function eachStore(app: App, attach: (store: ComfyStore) => void): void {
  const pinia = app.config.globalProperties.$pinia as Pinia | undefined
  if (!pinia)
    return
  const existing = pinia._s.get(STORE_ID)
  if (existing)
    attach(existing as unknown as ComfyStore)
  pinia.use(({ store }) => {
    if (store.$id === STORE_ID)
      attach(store as unknown as ComfyStore)
  })
}

/**
 * Adds the "comfy-tether" inspector (one node per server: lock, socket, pending tasks) and the lock timeline layer
 * (every lock log entry, with its reason and task ids) to Vue devtools. Development builds only: the plugin calls it
 * behind `process.env.NODE_ENV !== 'production'`, so production bundles drop it and the import with it. A missing or
 * incompatible `@vue/devtools-api` (an optional peer) is logged once at debug level, never thrown.
 *
 * @internal
 * @param unmounted - aborted when the app unmounts: everything set up here stops then
 * @param load - where `@vue/devtools-api` comes from (tests pass a fake)
 */
export async function setupComfyDevtools(app: App, logger: ComfyLogger, unmounted: AbortSignal, load: () => Promise<DevtoolsApiModule> = loadDevtoolsApi): Promise<void> {
  if (unmounted.aborted)
    return
  const scope = effectScope(true)
  let disposed = false
  unmounted.addEventListener('abort', () => {
    disposed = true
    scope.stop()
  }, { once: true })
  let api: DevtoolsApiModule
  try {
    api = await load()
    if (typeof api.setupDevtoolsPlugin !== 'function')
      throw new TypeError('it has no setupDevtoolsPlugin()')
  }
  catch (error) {
    if (!reportedMissing) {
      reportedMissing = true
      logger.debug(`[comfy-tether] Vue devtools integration off: could not load @vue/devtools-api ^8 (${error instanceof Error ? error.message : String(error)}).`)
    }
    return
  }
  if (disposed)
    return
  api.setupDevtoolsPlugin({
    id: 'dev.comfy-tether',
    label: 'comfy-tether',
    packageName: 'comfy-tether',
    app,
    componentStateTypes: [],
  }, (devtools) => {
    if (disposed)
      return
    let current: ComfyStore | undefined
    devtools.addInspector({ id: DEVTOOLS_INSPECTOR_ID, label: 'comfy-tether', icon: 'lock', treeFilterPlaceholder: 'Filter servers', noSelectionText: 'Select a server' })
    devtools.addTimelineLayer({ id: DEVTOOLS_TIMELINE_ID, label: 'comfy-tether lock', color: 0x6B3FB8 })
    devtools.on.getInspectorTree((payload) => {
      if (payload.app === app && payload.inspectorId === DEVTOOLS_INSPECTOR_ID && current && !disposed)
        payload.rootNodes = inspectorTree(snapshotOf(current), payload.filter)
    })
    devtools.on.getInspectorState((payload) => {
      if (payload.app !== app || payload.inspectorId !== DEVTOOLS_INSPECTOR_ID || !current || disposed)
        return
      const state = inspectorState(snapshotOf(current), payload.nodeId)
      if (state)
        payload.state = state
    })
    let watching: EffectScope | undefined
    eachStore(app, (store) => {
      if (disposed)
        return
      current = store
      watching?.stop()
      watching = scope.run(() => effectScope())
      let lastSeen: LockEvent | undefined
      const sendNew = (log: readonly LockEvent[]): void => {
        // The log is bounded and trimmed at the front: what follows the last entry sent is new.
        const from = lastSeen ? log.lastIndexOf(lastSeen) + 1 : 0
        for (const entry of log.slice(from))
          devtools.addTimelineEvent({ layerId: DEVTOOLS_TIMELINE_ID, event: timelineEvent(entry, snapshotOf(store)) })
        lastSeen = log.at(-1) ?? lastSeen
      }
      const refresh = (): void => {
        devtools.sendInspectorTree(DEVTOOLS_INSPECTOR_ID)
        devtools.sendInspectorState(DEVTOOLS_INSPECTOR_ID)
      }
      watching?.run(() => {
        // `log` changes in place (triggerRef): `deep: 1` makes each trigger count, not only a new array.
        watch(() => store.log, log => sendNew(log), { deep: 1, flush: 'sync', immediate: true })
        watch(() => [store.log, store.taskList, store.servers, store.sockets, store.locks], refresh, { deep: 1 })
      })
      refresh()
    })
  })
}
