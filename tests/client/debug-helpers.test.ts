// The debug trio (debugLock, validateServerConsistency, checkUnlockCondition) is synchronous, and its code loads in the
// background from the client's creation (issue #22: it is not part of what an app loads at startup). A call made
// before it is there gets a typed CHUNK_LOAD_FAILED saying so, never a wrong answer; every call after answers at once,
// for every client of the page.
import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from 'comfy-tether/core'
import { disposeAll, nodeClient } from '../helpers/node-client'
import { waitFor } from '../helpers/wait'
import { afterEach } from 'vitest'

afterEach(disposeAll)

/** Nothing listens there, and none of these calls sends anything. */
const SERVER = 'http://127.0.0.1:9'

describe('the debug helpers', () => {
  it('answer once their code is there (a call before says so with CHUNK_LOAD_FAILED), then at once for every client', async () => {
    const client = nodeClient({ servers: [SERVER] })
    const early = (() => {
      try {
        return client.debugLock()
      }
      catch (error) {
        return error
      }
    })()
    expect(isComfyTetherError(early, 'CHUNK_LOAD_FAILED')).toBe(true)
    expect((early as Error).message).toContain('not loaded yet')
    const info = await waitFor(() => {
      try {
        return client.debugLock()
      }
      catch {
        return undefined
      }
    }, 'the debug helpers to load')
    expect(info).toMatchObject({ clientId: client.clientId, lock: null, locks: [], pending: [] })
    expect(client.checkUnlockCondition()).toEqual({ canUnlock: false, reason: 'nothing is locked', pending: [] })
    expect(client.validateServerConsistency('check')).toEqual({ consistent: true, server: SERVER, operation: 'check' }) // where a call made now goes
    const next = nodeClient({ servers: [SERVER] })
    expect(next.debugLock().clientId).toBe(next.clientId) // loaded once for the page: a new client answers at once
  })
})
