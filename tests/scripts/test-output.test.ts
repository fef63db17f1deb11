// What `npm test` prints: Vitest's report, then one plain `N passed, N failed` line; no colour codes when the output
// goes to a file or a pipe (a CI log) unless colour is asked for. Runs scripts/test.mjs (`npm test`'s command) on a
// fixture of one passing and one failing test with the suite's reporters.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import config from '../../vitest.config'

const ROOT = new URL('../../', import.meta.url)
const FIXTURE = 'tests/fixtures/summary-reporter/vitest.config.ts'
const ESCAPE = /\u001B\[/

/** `npm test`'s command on the fixture, output piped; resolves with its exit code and everything it printed. */
function npmTest(extraEnv: Record<string, string>, args = ['--config', FIXTURE]): Promise<{ code: number | null, output: string }> {
  // This suite's own Vitest and colour variables are left out: the run is the user's, in a pipe.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(?:VITEST|NO_COLOR$|FORCE_COLOR$|TEST$)/.test(key)))
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/test.mjs', ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('close', code => resolve({ code, output }))
  })
}

describe('npm test', () => {
  it('runs scripts/test.mjs, with the plain summary after the default reporter', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.test).toBe('node scripts/test.mjs')
    const reporters = config.test?.reporters
    expect(Array.isArray(reporters) ? reporters[0] : undefined).toBe('default')
    expect(Array.isArray(reporters) ? reporters.at(-1) : undefined).toBe('./tests/helpers/summary-reporter.ts')
  })

  it('with the suite\'s own config, prints the report and the plain line, and no warning about the config', async () => {
    const { code, output } = await npmTest({}, ['--project', 'core', 'tests/core/backoff.test.ts'])
    expect(code).toBe(0)
    expect(output).not.toContain('configLoader')
    expect(output).not.toMatch(ESCAPE)
    expect(output.trimEnd().split('\n').at(-1)).toMatch(/^[1-9]\d* passed, 0 failed$/)
  })

  it('ends with one plain "N passed, N failed" line and prints no colour codes into a pipe', async () => {
    const { code, output } = await npmTest({})
    expect(code).toBe(1)
    expect(output.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed')
    expect(output).not.toMatch(ESCAPE)
  })

  it('keeps the colours when FORCE_COLOR asks for them', async () => {
    const { output } = await npmTest({ FORCE_COLOR: '1' })
    expect(output).toMatch(ESCAPE)
    expect(output.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed')
  })
})
