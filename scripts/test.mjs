// `npm test`: `vitest run` with the arguments given. Vitest colours its output with tinyrainbow, which honours NO_COLOR,
// FORCE_COLOR and --no-color/--color but does not look at whether the output is a terminal: piped into a file or a
// CI log, every line came with escape codes. So when stdout is not a terminal and colour was not asked for, NO_COLOR
// is set. The exit code is Vitest's.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
const args = process.argv.slice(2)
const env = { ...process.env }
const colourAsked = 'FORCE_COLOR' in env || args.includes('--color')
if (!process.stdout.isTTY && !colourAsked)
  env.NO_COLOR = '1'

const child = spawn(process.execPath, [vitest, 'run', ...args], { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0)
})
