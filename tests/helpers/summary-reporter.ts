// The last line of `npm test`: a plain `N passed, N failed`, after Vitest's own summary, which counts files and tests
// per state in colour over several lines. A test file that failed to load, and an error outside any test, count as
// failed (they fail the run, and have no test to count). Configs name this file in `reporters` (Vitest instantiates
// its default export), so they need no import without a file extension, which Vite's config loader warns about.
import type { Reporter, TestModule } from 'vitest/node'

/** Counts every test of the run and prints `N passed, N failed` when it ends. */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0
    let failed = unhandledErrors.length
    for (const module of testModules) {
      const tests = [...module.children.allTests()]
      passed += tests.filter(test => test.result().state === 'passed').length
      failed += tests.filter(test => test.result().state === 'failed').length
      if (module.state() === 'failed' && !tests.some(test => test.result().state === 'failed'))
        failed++
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`)
  }
}
