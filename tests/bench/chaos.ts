// `npm run chaos`: the full chaos run (tests/chaos/chaos-run.ts) — three simulators, several clients, over a thousand
// tasks, seeded faults — then the table, and tests/bench/results/chaos.json. Exit code 1 when an invariant fails.
//
//   npm run chaos                         seed from CHAOS_SEED, else 1
//   npm run chaos -- --seed 7             another fault schedule (the same seed always gives the same schedule)
//   npm run chaos -- --tasks 300          a shorter run (prints, does not write results/chaos.json)
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installDom } from '../chaos/dom'

const HERE = dirname(fileURLToPath(import.meta.url))
/** A hard stop above the run's own deadline, so a hung socket cannot keep CI waiting. */
const WATCHDOG_MS = 175_000

function argValue(name: string): string | undefined {
  const args = process.argv.slice(2)
  const i = args.indexOf(`--${name}`)
  if (i >= 0)
    return args[i + 1]
  return args.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

function intArg(name: string, fallback: number): number {
  const text = argValue(name)
  if (text === undefined)
    return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`)
  return n
}

async function main(): Promise<number> {
  const seed = intArg('seed', Number(process.env.CHAOS_SEED ?? 1))
  const dom = await installDom()
  // Imported after the DOM is installed (see dom.ts).
  const { CHAOS_FULL, runChaos } = await import('../chaos/chaos-run')
  const { formatReport } = await import('../chaos/report')
  const tasks = intArg('tasks', CHAOS_FULL.tasks)
  const config = { ...CHAOS_FULL, seed, tasks, onProgress: (line: string) => console.log(`  … ${line}`) }
  console.log(`chaos: seed ${seed}, ${tasks} tasks, ${config.clients} clients, ${config.servers} simulators (speed ${config.speed})`)
  const report = await runChaos(config)
  console.log('')
  console.log(formatReport(report))
  if (tasks === CHAOS_FULL.tasks) {
    const cpu = cpus()
    const file = join(HERE, 'results', 'chaos.json')
    const env = { node: process.version, cpu: cpu[0]?.model ?? 'unknown', cpuCount: cpu.length, platform: `${process.platform} ${process.arch}` }
    writeFileSync(file, `${JSON.stringify({ env, ...report }, null, 2)}\n`)
    console.log(`wrote ${file}`)
  }
  await dom.uninstall()
  return report.ok ? 0 : 1
}

const watchdog = setTimeout(() => {
  console.error(`chaos: still running after ${WATCHDOG_MS / 1000} s; giving up`)
  process.exit(2)
}, WATCHDOG_MS)
watchdog.unref()

main().then(
  (code) => {
    // Everything was closed; the process should now end by itself. If it does not within a few seconds, something
    // the stores or the simulators started is still alive: say so rather than hang.
    process.exitCode = code
    setTimeout(() => {
      console.error('chaos: the process did not exit by itself after the run: a handle is still open', process.getActiveResourcesInfo())
      process.exit(code || 3)
    }, 5000).unref()
  },
  (error: unknown) => {
    console.error(error)
    process.exit(2)
  },
)
