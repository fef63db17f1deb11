// Runs before `npm test`: the browser tests drive Debian's Chromium (/usr/bin/chromium), never a downloaded browser.
// On a fresh Debian machine where we are root, install it with apt; elsewhere say what to do and let the tests say it too.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = '/usr/bin/chromium'

if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (root && existsSync('/usr/bin/apt-get')) {
    console.log('comfy-tether: installing Debian\'s chromium for the browser tests (apt-get install chromium)…')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env })
  }
  else {
    console.warn(`comfy-tether: ${CHROMIUM} is missing, so the browser tests will fail. Install it with: sudo apt-get install chromium`)
  }
}
