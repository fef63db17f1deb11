// Runs before `npm test`, like ensure-chromium.mjs: the fleet tests start Debian's redis-server (/usr/bin/redis-server)
// on a free port of their own. On a fresh Debian machine where we are root, install it with apt; elsewhere say what to
// do and let the fleet tests say it too. Failures are one line, never a stack trace.
import { existsSync } from 'node:fs'
import { aptGetWaitingForLock } from './apt-lock.mjs'

const REDIS = '/usr/bin/redis-server'

if (!existsSync(REDIS)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (root && existsSync('/usr/bin/apt-get')) {
    console.log('comfy-tether: installing Debian\'s redis-server for the fleet tests (apt-get install redis-server)…')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const failure = await aptGetWaitingForLock(['update', '-qq'], { env })
      ?? await aptGetWaitingForLock(['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { env })
    if (failure)
      console.warn(`comfy-tether: could not install redis-server, so the fleet tests will fail (${failure}). Install it with: sudo apt-get install redis-server`)
  }
  else {
    console.warn(`comfy-tether: ${REDIS} is missing, so the fleet tests will fail. Install it with: sudo apt-get install redis-server`)
  }
}
