// A duplicated tab's way out (see restore.ts): it runs only when the duplicate-tab guard, in the background chunk
// (background.ts), says a live tab owns the restored clientId, so it is in that chunk too.
import type { Engine } from './engine'
import { mintClientId } from '../core/ids'

/** A duplicated tab: the pending tasks belong to the original tab, which is still alive; this one starts afresh. */
export function leaveToOriginalTab(engine: Engine): void {
  const { state } = engine
  for (const tether of [...state.tethers.values()]) {
    tether.dispose()
    state.tethers.delete(tether.server)
  }
  state.clientId = mintClientId()
  engine.cache.clear()
  state.record('duplicate-tab', 'this tab is a duplicate of a live tab: took a new clientId and left the other tab\'s tasks to it')
}
