// `npm run bench`: runs every benchmark, prints the table and writes bench-results/results.json (git-ignored:
// docs/figures.md is updated on purpose, by pasting the Markdown this prints, never as a side effect).
// Each judged figure is a ratio against a baseline measured in the same run, so it holds on a noisy machine. Nothing
// here asserts on time: a missed target is reported, not thrown. The exit code is 1 only when a bench could not run.
//
//   npm run bench                      all benches, writes bench-results/results.json
//   npm run bench -- frames heap       only those (ids start with the words), prints without writing results.json
import type { BenchResult } from './stats'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchBullmqFleet } from './bullmq-fleet'
import { benchBundle } from './bundle'
import { benchCoreExports } from './core-exports'
import { benchBinaryFrames, benchTextFrames } from './frames'
import { benchAppFrames } from './frames-app'
import { benchHeap } from './heap'
import { benchFleet } from './fleet'
import { benchInterceptor } from './interceptor'
import { benchChecksCost, benchNodeInfoBytes } from './node-info'
import { benchRecovery } from './recovery'
import { benchScaleOut } from './scale-out'
import { errorResult, now, table } from './stats'

/** Git-ignored output folder at the repository root. */
const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../bench-results')
/** A hard stop well above the ~1.5 minutes a run takes, so a hung socket cannot keep CI waiting. */
const WATCHDOG_MS = 480_000

interface Bench {
  id: string
  name: string
  run: () => BenchResult | BenchResult[] | Promise<BenchResult | BenchResult[]>
}

// Order matters: the pure benches first; the interceptor bench loads axios before frames-app installs the DOM globals
// (see dom.ts), and so do the node-info and fleet benches (a Node client, no DOM); frames-app, scale-out and recovery
// share that one DOM; the recovery bench last, because it leaves Vue loaded against happy-dom's document.
const BENCHES: Bench[] = [
  { id: 'frames-text', name: 'text frames', run: benchTextFrames },
  { id: 'frames-binary', name: 'binary frames', run: benchBinaryFrames },
  { id: 'heap', name: 'heap per task', run: benchHeap },
  { id: 'bundle', name: 'bundle size', run: benchBundle },
  { id: 'core-exports', name: 'core exports', run: benchCoreExports },
  { id: 'interceptor', name: 'interceptor', run: benchInterceptor },
  { id: 'node-info-bytes', name: 'node info read before the first prompt', run: benchNodeInfoBytes },
  { id: 'checks-cost', name: 'checks per submit, 8 servers vs 1', run: benchChecksCost },
  { id: 'fleet', name: 'fleet: 8 servers, 1,000 tasks', run: benchFleet },
  { id: 'bullmq', name: 'bullmq fleet: 3 workers, 8 servers', run: benchBullmqFleet },
  { id: 'frames-app', name: 'frames through the store and the peers', run: benchAppFrames },
  { id: 'scale-out', name: 'scale-out', run: benchScaleOut },
  { id: 'recovery', name: 'recovery', run: benchRecovery },
]

const rows: BenchResult[] = []

function report(): string {
  const lines = [table(rows), '']
  for (const row of rows) {
    for (const note of row.notes ?? []) lines.push(`- ${row.id}: ${note}`)
  }
  return lines.join('\n')
}

async function main(): Promise<number> {
  const only = process.argv.slice(2).filter(a => !a.startsWith('-'))
  const selected = only.length === 0 ? BENCHES : BENCHES.filter(b => only.some(o => b.id.startsWith(o)))
  const cpu = cpus()
  const env = {
    node: process.version,
    cpu: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  }
  const machine = `Node ${env.node}, ${env.cpuCount} × ${env.cpu} (os.cpus()), ${env.platform}`
  console.log(`comfy-tether benchmarks — ${machine}, ${env.date}`)
  const watchdog = setTimeout(() => {
    console.error(`\nbench: stopped after ${WATCHDOG_MS / 1000} s (a bench hung); results so far:\n${report()}`)
    process.exit(1)
  }, WATCHDOG_MS)
  watchdog.unref()

  const started = now()
  for (const bench of selected) {
    const t0 = now()
    process.stdout.write(`  ${bench.name} … `)
    try {
      const result = await bench.run()
      rows.push(...(Array.isArray(result) ? result : [result]))
    }
    catch (error) {
      rows.push(errorResult(bench.id, bench.name, error))
    }
    console.log(`${((now() - t0) / 1000).toFixed(1)} s`)
  }
  const seconds = (now() - started) / 1000
  clearTimeout(watchdog)

  console.log(`\n${report()}`)
  console.log(`total ${seconds.toFixed(1)} s`)
  console.log(`\nFor docs/figures.md (measured on: ${machine}; every ratio against a baseline of this run):\n\n${table(rows)}`)
  if (only.length === 0) {
    mkdirSync(RESULTS_DIR, { recursive: true })
    const file = join(RESULTS_DIR, 'results.json')
    writeFileSync(file, `${JSON.stringify({ ...env, command: 'npm run bench', totalSeconds: Math.round(seconds * 10) / 10, results: rows }, null, 2)}\n`)
    console.log(`wrote ${file}`)
  }
  return rows.some(r => r.verdict === 'error') ? 1 : 0
}

main().then(code => process.exit(code), (error: unknown) => {
  console.error(error)
  process.exit(1)
})
