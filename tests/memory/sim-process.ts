// A simulator in its own process, so that a memory test measures the store's heap alone (the simulator keeps up to
// 10,000 history entries, every output PNG and a log of every request: all of it would otherwise share the heap).
// Prints one JSON line `{ "url": ... }` when listening; exits when its stdin closes.
import { createComfySimulator } from '../../src/testing/index'

const speed = Number(process.argv[2] ?? 100)
const sim = await createComfySimulator({ speed, label: 'memory' })
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0))
})
