import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

// Not `new URL(…, import.meta.url)`: under happy-dom, URL is the DOM's, which node:url does not accept.
const HOST = join(dirname(fileURLToPath(import.meta.url)), 'sim-host.ts')

/**
 * Starts simulators (one per speed factor) in a child process, as real servers run elsewhere: a benchmark then times
 * the client alone, and a memory test measures the store's heap without the simulator's history and files.
 */
export async function startSimulatorProcess(speeds: readonly number[]): Promise<{ urls: string[], stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOST, ...speeds.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', code => reject(new Error(`simulator process exited (${code}) before printing its URLs`)))
    child.once('error', reject)
  })
  return {
    urls: JSON.parse(line) as string[],
    async stop() {
      if (child.exitCode === null) {
        child.stdin.end()
        await exited
      }
    },
  }
}
