// A Node process whose client is disposed at an awkward moment (issue #20) exits by itself: a submit still reading
// /object_info, a listener that disposes on the success it was told of, a loadImage still loading. Each scenario
// runs in a child process (tests/client/dispose-child.ts) against a simulator in this process; the child
// must print what its promises settled with and exit with code 0 on its own.
import type { ComfySimulator } from 'comfy-tether/testing'
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { simulatorPool } from '../helpers/node-client'
import { waitFor } from '../helpers/wait'

const { servers } = simulatorPool()
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'dispose-child.ts')
/** A guard against a hang (the bug this file is about), not a speed limit. */
const HANG_GUARD_MS = 60_000
/** Each test waits for the hang guard, not for the project's test timeout. */
const TEST_TIMEOUT_MS = HANG_GUARD_MS + 30_000
/** Longer than any of these scenarios needs before it disposes. */
const HELD_MS = 20_000

interface Run { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/** Runs the child; `onWaiting` is called once it printed `waiting` (the parent then decides when to say go). */
function runChild(scenario: string, server: string, onWaiting?: () => Promise<void>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, scenario, server], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let told = false
    const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (!told && onWaiting && stdout.includes('waiting\n')) {
        told = true
        void onWaiting().then(() => child.stdin.end('go\n'))
      }
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    if (!onWaiting)
      child.stdin.end()
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

const held = (sim: ComfySimulator, path: string) => () => waitFor(() => sim.requests.some(r => r.path.startsWith(path)), `the simulator to hold ${path}`).then(() => {})

describe('a Node process that disposes its client', () => {
  it.each(['session', 'task'])('exits by itself after dispose() while the first submit reads its node info (/object_info) (affinity %s)', async (affinity) => {
    const { sims: [sim] } = await servers(1)
    sim!.delayResponses(HELD_MS, '/object_info')
    const run = await runChild(`submit-${affinity}`, sim!.url, held(sim!, '/object_info'))
    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' })
    expect(run.stdout).toBe('waiting\nsubmit: rejected CLIENT_DISPOSED\n')
    expect(sim!.requests.filter(r => r.kind === 'ws-open' || r.method === 'POST')).toEqual([])
  }, TEST_TIMEOUT_MS)

  it('exits by itself after a listener disposes on the success it was told of, with the result resolved', async () => {
    const { sims: [sim] } = await servers(1)
    const run = await runChild('listener-succeeded', sim!.url)
    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' })
    expect(run.stdout).toBe('result: 1 image\n')
  }, TEST_TIMEOUT_MS)

  it('exits by itself after a listener disposes once pendingCount reaches 0, with every result resolved', async () => {
    const { sims: [sim] } = await servers(1)
    const run = await runChild('listener-all-done', sim!.url)
    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' })
    expect(run.stdout).toBe('results: resolved, resolved\n')
  }, TEST_TIMEOUT_MS)

  it('exits by itself after dispose() while loadImage() loads, the call rejected', async () => {
    const { sims: [sim] } = await servers(1)
    sim!.delayResponses(HELD_MS, '/view')
    const run = await runChild('load-image', sim!.url, held(sim!, '/view'))
    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' })
    expect(run.stdout).toBe('waiting\nloadImage: rejected CLIENT_DISPOSED\n')
  }, TEST_TIMEOUT_MS)
})
