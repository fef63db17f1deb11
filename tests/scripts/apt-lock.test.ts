import type { AptRun } from '../../scripts/apt-lock.mjs'
import { describe, expect, it } from 'vitest'
import { aptGetWaitingForLock, isAptLockBusy } from '../../scripts/apt-lock.mjs'

// apt-get's own words (apt 2.x) when another apt or dpkg holds a lock.
const FRONTEND_BUSY = 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n'
const LISTS_BUSY = 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)\nE: Unable to lock directory /var/lib/apt/lists/\n'

/** An apt-get that answers `results` in turn, recording its calls. */
function fakeApt(...results: { status: number, stderr: string }[]): { run: AptRun, calls: string[][] } {
  const calls: string[][] = []
  return { calls, run: (args) => {
    calls.push([...args])
    return results[Math.min(calls.length, results.length) - 1]!
  } }
}

const noWait = async (): Promise<void> => {}

describe('apt-get waiting for a busy dpkg lock (pretest Chromium install)', () => {
  it('recognises both of apt\'s busy-lock messages, and not other failures', () => {
    expect(isAptLockBusy(FRONTEND_BUSY)).toBe(true)
    expect(isAptLockBusy(LISTS_BUSY)).toBe(true)
    expect(isAptLockBusy('E: Unable to locate package chromium\n')).toBe(false)
  })

  it('retries while the lock is busy, saying so once in one line, then succeeds', async () => {
    const apt = fakeApt({ status: 100, stderr: FRONTEND_BUSY }, { status: 100, stderr: LISTS_BUSY }, { status: 0, stderr: '' })
    const lines: string[] = []
    const waits: number[] = []
    const failure = await aptGetWaitingForLock(['install', '-y', 'chromium'], { run: apt.run, log: l => lines.push(l), sleep: async (ms) => { waits.push(ms) }, delayMs: 5 })
    expect(failure).toBeUndefined()
    expect(apt.calls).toEqual([['install', '-y', 'chromium'], ['install', '-y', 'chromium'], ['install', '-y', 'chromium']])
    expect(waits).toEqual([5, 5])
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^comfy-tether: another apt\/dpkg is running; waiting for its lock/)
    expect(lines[0]).not.toContain('\n')
  })

  it('gives up after the bounded number of tries with a one-line reason', async () => {
    const apt = fakeApt({ status: 100, stderr: FRONTEND_BUSY })
    const failure = await aptGetWaitingForLock(['update'], { run: apt.run, log: () => {}, sleep: noWait, attempts: 4 })
    expect(apt.calls).toHaveLength(4)
    expect(failure).toMatch(/lock was still busy after 4 tries/)
    expect(failure).not.toContain('\n')
  })

  it('does not retry a failure that is not the lock, and reports apt\'s last line', async () => {
    const apt = fakeApt({ status: 100, stderr: 'Reading package lists...\nE: Unable to locate package chromium\n' })
    const failure = await aptGetWaitingForLock(['install', 'chromium'], { run: apt.run, log: () => {}, sleep: noWait })
    expect(apt.calls).toHaveLength(1)
    expect(failure).toBe('apt-get install chromium failed: E: Unable to locate package chromium')
  })
})
