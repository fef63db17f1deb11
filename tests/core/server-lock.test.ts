import { describe, expect, it } from 'vitest'
import { isComfyTetherError, ServerMismatchError } from '../../src/core/errors'
import { checkServerConsistency, checkUnlockCondition } from '../../src/core/lock-checks'
import { acquireLock, checkRequestTarget, lockedServerFor } from '../../src/core/server-lock'

const A = 'http://a:8188'
const B = 'http://b:8188'
const lockA = { server: A, clientId: 'c1', since: 1, reason: 'task-submitted' as const }

describe('lockedServerFor', () => {
  it('keeps the locked server while tasks are pending, even with the socket down', () => {
    expect(lockedServerFor({ lock: lockA, pendingCount: 2, socketOpen: false })).toBe(A)
  })
  it('keeps it while its socket is open', () => {
    expect(lockedServerFor({ lock: lockA, pendingCount: 0, socketOpen: true })).toBe(A)
  })
  it('chooses afresh when nothing is pending and the socket is closed, or nothing is locked', () => {
    expect(lockedServerFor({ lock: lockA, pendingCount: 0, socketOpen: false })).toBeUndefined()
    expect(lockedServerFor({ lock: null, pendingCount: 0, socketOpen: true })).toBeUndefined()
  })
})

describe('acquireLock', () => {
  it('locks a free client to the requested server', () => {
    expect(acquireLock(null, { server: A, clientId: 'c1', reason: 'task-submitted', now: 5, pending: [] })).toEqual({ server: A, clientId: 'c1', since: 5, reason: 'task-submitted' })
  })
  it('is a no-op for the held server', () => {
    expect(acquireLock(lockA, { server: A, clientId: 'c1', reason: 'task-submitted', now: 9, pending: ['p'] })).toBe(lockA)
  })
  it('refuses to switch servers while tasks are pending, naming them', () => {
    expect(() => acquireLock(lockA, { server: B, clientId: 'c1', reason: 'task-submitted', now: 9, pending: ['p1'] })).toThrow(/p1/)
  })
  it('switches when nothing is pending', () => {
    expect(acquireLock(lockA, { server: B, clientId: 'c1', reason: 'task-submitted', now: 9, pending: [] }).server).toBe(B)
  })
})

describe('checkRequestTarget', () => {
  it('allows calls to the locked server and anything when unlocked', () => {
    expect(checkRequestTarget({ lockedServer: A, taskServer: undefined, requestedServer: A, operation: 'GET /queue' })).toBeUndefined()
    expect(checkRequestTarget({ lockedServer: undefined, taskServer: undefined, requestedServer: B, operation: 'GET /queue' })).toBeUndefined()
  })
  it('rejects another server with an error naming both servers and the operation', () => {
    const error = checkRequestTarget({ lockedServer: A, taskServer: undefined, requestedServer: B, operation: 'POST /prompt' })
    expect(error).toBeInstanceOf(ServerMismatchError)
    expect(isComfyTetherError(error, 'SERVER_MISMATCH')).toBe(true)
    expect(error?.message).toContain(A)
    expect(error?.message).toContain(B)
    expect(error?.message).toContain('POST /prompt')
    expect(error).toMatchObject({ lockedServer: A, requestedServer: B, operation: 'POST /prompt' })
  })
  it('checks a task\'s call against the task\'s own server', () => {
    expect(checkRequestTarget({ lockedServer: undefined, taskServer: A, requestedServer: B, operation: 'GET /history', promptId: 'p' })?.message).toContain('task p')
  })
})

describe('debug rules', () => {
  it('refuses to unlock while tasks are pending', () => {
    expect(checkUnlockCondition(lockA, ['p'])).toEqual({ canUnlock: false, reason: `1 task(s) pending on ${A}`, pending: ['p'] })
    expect(checkUnlockCondition(lockA, []).canUnlock).toBe(true)
    expect(checkUnlockCondition(null, []).canUnlock).toBe(false)
  })
  it('reports an inconsistent API or socket server', () => {
    expect(checkServerConsistency({ lock: lockA, apiServer: A, socketServer: A, pendingCount: 1, operation: 'x' })).toEqual({ consistent: true, server: A, operation: 'x' })
    expect(checkServerConsistency({ lock: lockA, apiServer: B, socketServer: A, pendingCount: 1, operation: 'x' })).toMatchObject({ consistent: false, lockedServer: A, apiServer: B })
    expect(checkServerConsistency({ lock: lockA, apiServer: A, socketServer: B, pendingCount: 1, operation: 'x' })).toMatchObject({ consistent: false })
  })
})
