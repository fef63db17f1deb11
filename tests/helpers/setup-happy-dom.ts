// Setup file of the happy-dom projects (vitest.config.ts): the one users get as `comfy-tether/testing/vitest-setup`,
// which drops happy-dom's echo of failed requests from the process's console (src/testing/quiet-network-log.ts), and
// a fix of happy-dom's fetch, which sends a request aborted during its CORS preflight (happy-dom-abort.ts).
import '../../src/testing/vitest-setup'
import { rejectFetchesAbortedInPreflight } from './happy-dom-abort'

rejectFetchesAbortedInPreflight()
