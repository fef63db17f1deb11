// examples/node-worker.ts, run as a user runs it (tsx, its own process, no test runner around it): every job
// succeeds, the pool's servers share them, and the process exits by itself once the client is disposed.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { extractCodeBlocks } from '../docs/readme-blocks'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('examples/node-worker.ts', () => {
  it('runs its jobs on a pool of tethered servers and exits', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join('examples', 'node-worker.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 }) // a guard against a hang, not a speed limit
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const lines = run.stdout.trim().split('\n')
    const jobs = lines.filter(l => l.startsWith('job '))
    expect(jobs).toHaveLength(6)
    for (const line of jobs) expect(line).toMatch(/^job \d: succeeded on http:\/\/127\.0\.0\.1:\d+ \(1 image\)$/)
    expect(new Set(jobs.map(l => l.match(/on (\S+)/)![1])).size).toBe(3)
    expect(lines.at(-1)).toBe('done: 6/6 jobs on 3 servers')
  })
})

describe('docs/node.md "In a Node backend"', () => {
  it('shows the example as it is run, to the byte', () => {
    const blocks = extractCodeBlocks(readFileSync(join(ROOT, 'docs', 'node.md'), 'utf8'))
    expect(blocks.find(b => b.file === 'node-worker.ts')?.code).toBe(readFileSync(join(ROOT, 'examples', 'node-worker.ts'), 'utf8'))
  })
})
