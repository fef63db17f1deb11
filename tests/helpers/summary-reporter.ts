// The last line of `npm test`: a plain `N passed, N failed`, after Vitest's own summary, which counts files and tests
// per state in colour over several lines. A test file that failed to load, and an error outside any test, count as
// failed (they fail the run, and have no test to count).
import type { Reporter, TestModule } from 'vitest/node'

/** Counts every test of the run and prints `N passed, N failed` when it ends. */
export class PlainSummaryReporter implements Reporter {
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
