// Setup file of the happy-dom projects (vitest.config.ts). Vitest hands happy-dom the process's own console (not the
// per-test console it captures), which is why its network lines were printed raw, without the test's name.
import nodeConsole from 'node:console'
import { quietBrowserNetworkLog } from './browser-network-log'

quietBrowserNetworkLog(nodeConsole)
