import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Not `new URL(…, import.meta.url)`: under happy-dom, URL is the DOM's, which node:url does not accept.
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'sim-process.ts')

/** Starts tests/memory/sim-process.ts in a child process; `close()` ends it. */
export async function startSimProcess(speed = 100): Promise<{ url: string, close: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, String(speed)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = ''
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8')
      const line = buffer.split('\n')[0]
      if (buffer.includes('\n') && line) {
        child.stdout.off('data', onData)
        resolve((JSON.parse(line) as { url: string }).url)
      }
    }
    child.stdout.on('data', onData)
    child.once('exit', code => reject(new Error(`the simulator process exited with ${code} before listening`)))
    child.once('error', reject)
  })
  return {
    url,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null)
        return resolve()
      child.once('exit', () => resolve())
      child.stdin.end()
    }),
  }
}
