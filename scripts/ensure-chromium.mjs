// Runs before `npm test`: the browser tests drive Debian's Chromium (/usr/bin/chromium), never a downloaded browser.
// On a fresh Debian machine where we are root, install it with apt; elsewhere say what to do and let the tests say it too.
// Failures are one line, never a stack trace: the other tests still run, and the browser tests say Chromium is missing.
import { existsSync } from 'node:fs'
import { aptGetWaitingForLock } from './apt-lock.mjs'

const CHROMIUM = '/usr/bin/chromium'

if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (root && existsSync('/usr/bin/apt-get')) {
    console.log('comfy-tether: installing Debian\'s chromium for the browser tests (apt-get install chromium)…')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const failure = await aptGetWaitingForLock(['update', '-qq'], { env })
      ?? await aptGetWaitingForLock(['install', '-y', '-qq', 'chromium'], { env })
    if (failure)
      console.warn(`comfy-tether: could not install chromium, so the browser tests will fail (${failure}). Install it with: sudo apt-get install chromium`)
  }
  else {
    console.warn(`comfy-tether: ${CHROMIUM} is missing, so the browser tests will fail. Install it with: sudo apt-get install chromium`)
  }
}
