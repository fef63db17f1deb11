// apt-get that waits for a busy dpkg/apt lock (another apt or an unattended upgrade is running) instead of failing.
import { spawnSync } from 'node:child_process'

/** apt's messages when another process holds the dpkg frontend lock or the lists lock. */
const LOCK_BUSY = /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock directory|is another process using it/

/** True when apt-get failed only because another process holds its lock. */
export function isAptLockBusy(stderr) {
  return LOCK_BUSY.test(stderr)
}

function runAptGet(args, env) {
  // apt's and dpkg's progress lines are dropped (npm test stays calm); stderr is kept to tell a busy lock from a failure.
  const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return { status: result.status ?? 1, stderr: result.stderr ?? String(result.error ?? '') }
}

/**
 * Runs `apt-get …args`, retrying up to `attempts` times `delayMs` apart while the lock is busy. Says so in one line
 * the first time it waits. Returns the last failure's one-line reason, or undefined on success.
 */
export async function aptGetWaitingForLock(args, options = {}) {
  const { attempts = 30, delayMs = 10_000, env = process.env, run = runAptGet, log = console.log } = options
  const sleep = options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
  for (let attempt = 1; ; attempt++) {
    const { status, stderr } = run(args, env)
    if (status === 0)
      return undefined
    if (!isAptLockBusy(stderr))
      return `apt-get ${args.join(' ')} failed: ${lastLine(stderr) || `exit code ${status}`}`
    if (attempt >= attempts)
      return `apt-get ${args.join(' ')}: the dpkg/apt lock was still busy after ${attempts} tries ${delayMs / 1000} s apart`
    if (attempt === 1)
      log(`comfy-tether: another apt/dpkg is running; waiting for its lock (up to ${attempts} tries, ${delayMs / 1000} s apart)…`)
    await sleep(delayMs)
  }
}

function lastLine(text) {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? ''
}
