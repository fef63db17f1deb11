// A real redis-server for a test file: its own free port and temp dir, append-only file so a restart keeps the data
// (as a production Redis would), stopped with its process when the test ends.
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REDIS = '/usr/bin/redis-server'

export interface TestRedis {
  url: string
  port: number
  /** Stops the server (SIGTERM: it writes its data) and resolves when its process has exited. */
  stop: () => Promise<void>
  /** Starts it again on the same port with the same data. */
  start: () => Promise<void>
  /** Stops it and removes its directory. */
  close: () => Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startRedis(): Promise<TestRedis> {
  if (!existsSync(REDIS))
    throw new Error(`${REDIS} is missing: the fleet tests need Debian's redis-server (sudo apt-get install redis-server)`)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'comfy-tether-redis-'))
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    const proc = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    await new Promise<void>((resolve, reject) => {
      let out = ''
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('Ready to accept connections'))
          resolve()
      })
      proc.once('exit', code => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)))
    })
  }

  async function stop(): Promise<void> {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null)
      return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
