// `comfy-tether/testing/vitest-setup`: a Vitest setup file for happy-dom projects that test against the simulator.
// Failed requests a test causes on purpose (a simulator taken down, a fault) print nothing; every other line still
// shows. See quietHappyDomNetworkLog.
import { quietHappyDomNetworkLog } from './quiet-network-log'

quietHappyDomNetworkLog()
