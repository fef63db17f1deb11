// Runs simulators in a process of their own, as real ComfyUI servers are: `node --import tsx sim-host.ts 1 1 2 0.5`
// starts one per speed factor, prints their URLs as one JSON line, and exits when its stdin closes.
import { createComfySimulator } from '../../src/testing/index'

const speeds = process.argv.slice(2).map(Number)
const sims = await Promise.all(speeds.map((speed, i) => createComfySimulator({ speed, label: `x${speed}-${i}` })))
process.stdout.write(`${JSON.stringify(sims.map(s => s.url))}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void Promise.all(sims.map(s => s.close())).then(() => process.exit(0))
})
