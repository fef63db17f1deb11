import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** Starts simulators (one per speed factor) in a child process; resolves to their URLs and a stopper. */
export async function startSimulatorProcess(speeds: readonly number[]): Promise<{ urls: string[], stop: () => Promise<void> }> {
  const host = fileURLToPath(new URL('./sim-host.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', host, ...speeds.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', code => reject(new Error(`simulator process exited (${code}) before printing its URLs`)))
  })
  return {
    urls: JSON.parse(line) as string[],
    async stop() {
      child.stdin.end()
      await exited
    },
  }
}
