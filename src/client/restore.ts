import type { Engine } from './engine'
import type { createClientIdGuard, PersistedSnapshot } from './persistence'
import { createTask, isTerminal } from '../core/task-state'
import { loadedBackground } from './load-background'
import { capRestoredTasks, isPromiseLike } from './persistence'

const CLAIM_WAIT_MS = 150

/**
 * Starts the client from what the storage held: a snapshot is restored; nothing makes the client ready at once; a
 * promise (an asynchronous storage) keeps it not ready, so submits wait, until the snapshot arrives and is restored
 * under its clientId.
 */
export function startRestore(engine: Engine, loaded: PersistedSnapshot | undefined | PromiseLike<PersistedSnapshot | undefined>, guard: ReturnType<typeof createClientIdGuard>): void {
  const start = (snapshot: PersistedSnapshot | undefined): void => {
    if (engine.isDisposed())
      return
    if (snapshot) {
      if (engine.state.clientId !== snapshot.clientId)
        engine.state.clientId = snapshot.clientId
      restoreSnapshot(engine, snapshot, guard)
      return
    }
    if (!engine.state.ready)
      engine.state.ready = true
    engine.persist()
  }
  if (isPromiseLike<PersistedSnapshot | undefined>(loaded))
    void Promise.resolve(loaded).then(start)
  else
    start(loaded)
}

/**
 * Restores the locks and pending tasks of a snapshot after a reload, then (unless a live tab owns the clientId: a
 * duplicated tab) makes the client ready and reconciles each restored server at once.
 */
export function restoreSnapshot(engine: Engine, restored: PersistedSnapshot, guard: ReturnType<typeof createClientIdGuard>): void {
  const { state, serverUrls, sessionMode } = engine
  // A lock on a server no longer configured is dropped (nothing may be sent there any more), and session affinity
  // keeps one lock; either way the log says which tasks this page stops following.
  const usable = restored.locks.filter(l => serverUrls.includes(l.server))
  const restoredLocks = usable.slice(0, sessionMode ? 1 : undefined)
  for (const dropped of restored.locks.filter(l => !restoredLocks.includes(l))) {
    const orphans = restored.tasks.filter(t => t.server === dropped.server && !isTerminal(t.state)).map(t => t.promptId)
    if (orphans.length > 0)
      state.record('restore', `not restoring the lock on ${dropped.server} (${usable.includes(dropped) ? 'session affinity keeps one lock' : 'server no longer configured'}): ${orphans.length} task(s) there are no longer followed: ${orphans.join(', ')}`, { server: dropped.server, code: 'TASK_LOST' })
  }
  const { kept, dropped } = capRestoredTasks(restored.tasks.filter(t => !isTerminal(t.state)))
  if (dropped.length > 0)
    state.record('restore', `the snapshot held ${kept.length + dropped.length} pending tasks: restoring the newest ${kept.length}; the ${dropped.length} older ones are no longer followed`, { code: 'TASK_LOST' })
  for (const saved of restoredLocks) {
    const taskRecords = kept.filter(t => t.server === saved.server)
    if (taskRecords.length === 0)
      continue
    engine.openTether(saved.server, 'restored-after-reload', saved.since)
    for (const t of taskRecords) {
      const task = createTask({ promptId: t.promptId, server: t.server, clientId: restored.clientId, now: t.createdAt })
      engine.cache.put({ ...task, state: t.state === 'preparing' ? 'queued' : t.state, number: t.number, cancelRequested: t.cancelRequested, unconfirmed: t.unconfirmed || t.state === 'preparing' })
    }
    state.record('restore', `restored the lock on ${saved.server} with ${taskRecords.length} pending task(s) after a reload`, { server: saved.server })
  }
  void guard.isTaken(restored.clientId, CLAIM_WAIT_MS).then((taken) => {
    if (engine.isDisposed())
      return
    if (taken) // only the guard of the background chunk says so: the chunk is there
      loadedBackground()?.leaveToOriginalTab(engine)
    state.ready = true
    engine.persist()
    for (const tether of state.tethers.values()) {
      tether.readyChanged()
      tether.schedulePoll(0)
    }
  })
}
