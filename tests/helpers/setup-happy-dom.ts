// Setup file of the happy-dom projects (vitest.config.ts): the one users get as `comfy-tether/testing/vitest-setup`,
// which drops happy-dom's echo of failed requests from the process's console (src/testing/quiet-network-log.ts).
import '../../src/testing/vitest-setup'
