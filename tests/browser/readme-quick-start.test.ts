// The README's quick starts, run as a new user runs them: from the packed tarball (`npm run build`, `npm pack`), in a
// fresh Vite app whose src/main.ts and src/App.vue are the README's blocks marked `<!-- quick-start -->`, verbatim,
// with the README's simulator (sim.ts, run with tsx as its own process) and the Node quick start (quick-start.ts, run
// with `node --import tsx`). The package comes from the tarball, its peers are symlinked from this repository's
// node_modules: nothing is fetched from the network.
import type { ChildProcess } from 'node:child_process'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import type { CodeBlock } from '../docs/readme-blocks'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extractCodeBlocks } from '../docs/readme-blocks'
import { launchChromium } from '../helpers/playground-browser'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The port the README's simulator and servers use. */
const SIM_PORT = 8188
/** What a user installs next to comfy-tether for the two quick starts (README, Install), resolved from our node_modules. */
const PEERS = ['vue', 'pinia', '@vueuse', '@vue', 'axios', 'ws', 'pngjs', 'tsx', 'vite', '@vitejs', 'typescript']

let app = ''
let sim: ChildProcess | undefined
let simOutput = ''
let web: Server | undefined
let pageUrl = ''
let browser: Browser | undefined

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_ENV: '' } })
  if (result.status !== 0)
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed (${result.status}):\n${result.stdout}${result.stderr}`)
  return result.stdout
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** The README's quick-start blocks by file name; fails when one is missing. */
function quickStart(): Map<string, CodeBlock> {
  const blocks = extractCodeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8')).filter(b => b.quickStart)
  const byFile = new Map(blocks.map(b => [b.file, b]))
  for (const file of ['sim.ts', 'main.ts', 'App.vue', 'quick-start.ts'])
    expect(byFile.has(file), `README.md has a \`<!-- quick-start -->\` block named ${file}`).toBe(true)
  return byFile
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }

/** Serves the built app (dist/) as any static host would. */
function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    const file = join(dir, path === '/' ? 'index.html' : path)
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file))
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)))
}

beforeAll(async () => {
  if (await portInUse(SIM_PORT))
    throw new Error(`Port ${SIM_PORT} is in use: the README's quick start runs its simulator there. Stop what listens on it and run again.`)
  const blocks = quickStart()

  // The package as published.
  app = mkdtempSync(join(tmpdir(), 'comfy-tether-quick-start-'))
  run('npm', ['run', 'build'], ROOT)
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', app], ROOT)) as { filename: string }[]
  const tarball = join(app, packed[0]!.filename)
  const modules = join(app, 'node_modules')
  mkdirSync(join(modules, 'comfy-tether'), { recursive: true })
  run('tar', ['-xzf', tarball, '-C', join(modules, 'comfy-tether'), '--strip-components=1'], app)
  for (const name of PEERS)
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir')

  // A fresh Vite + Vue + TypeScript app (what `npm create vite -- --template vue-ts` makes, without its demo parts).
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2))
  writeFileSync(join(app, 'vite.config.ts'), `import vue from '@vitejs/plugin-vue'\nimport { defineConfig } from 'vite'\n\nexport default defineConfig({ plugins: [vue()] })\n`)
  writeFileSync(join(app, 'index.html'), `<!doctype html>\n<html lang="en">\n  <head><meta charset="UTF-8"><title>my-app</title></head>\n  <body>\n    <div id="app"></div>\n    <script type="module" src="/src/main.ts"></script>\n  </body>\n</html>\n`)
  mkdirSync(join(app, 'src'))
  writeFileSync(join(app, 'src', 'main.ts'), blocks.get('main.ts')!.code)
  writeFileSync(join(app, 'src', 'App.vue'), blocks.get('App.vue')!.code)
  writeFileSync(join(app, 'sim.ts'), blocks.get('sim.ts')!.code)
  writeFileSync(join(app, 'quick-start.ts'), blocks.get('quick-start.ts')!.code)
  run(process.execPath, [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], app)

  // The second terminal: `npx tsx sim.ts`.
  sim = spawn(process.execPath, ['--import', 'tsx', 'sim.ts'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      simOutput += chunk.toString()
      if (simOutput.includes('listening on'))
        resolve()
    }
    sim!.stdout!.on('data', onData)
    sim!.stderr!.on('data', onData)
    sim!.once('exit', code => reject(new Error(`sim.ts exited (${code}) before listening:\n${simOutput}`)))
  })

  web = await serve(join(app, 'dist'))
  pageUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`
  browser = await launchChromium()
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await new Promise(resolve => (web ? web.close(resolve) : resolve(undefined)))
  if (sim && sim.exitCode === null && sim.signalCode === null) {
    const exited = new Promise(resolve => sim!.once('exit', resolve))
    sim.kill()
    await exited
  }
  if (app)
    rmSync(app, { recursive: true, force: true })
})

describe('README quick start', () => {
  it('the simulator says where it listens', () => {
    expect(simOutput).toContain(`simulated ComfyUI listening on http://127.0.0.1:${SIM_PORT}`)
  })

  it('Vue: the page shows the task succeeding and its inverted image', async () => {
    const context = await browser!.newContext()
    try {
      const page = await context.newPage()
      const pageErrors: string[] = []
      page.on('pageerror', error => pageErrors.push(error.message))
      await page.goto(pageUrl)
      await page.getByRole('button', { name: 'Generate' }).click()
      const status = page.getByText(/^Task /)
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('Task succeeded: 100%')
      expect(await page.getByText(/^Lock: /).textContent()).toMatch(/^Lock: (none|http:\/\/127\.0\.0\.1:8188, 0 pending)$/)
      expect(await page.getByRole('alert').count()).toBe(0)

      const image = page.getByRole('img', { name: 'result' })
      await expect.poll(() => image.evaluate(el => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBe(64)
      const src = await image.getAttribute('src') ?? ''
      expect(src.startsWith(`http://127.0.0.1:${SIM_PORT}/view?`)).toBe(true)
      // The image the page shows is the workflow's: 0x336699 inverted.
      const png = PNG.sync.read(Buffer.from(await (await fetch(src)).arrayBuffer()))
      expect([png.width, png.height, png.data[0], png.data[1], png.data[2]]).toEqual([64, 64, 0xCC, 0x99, 0x66])
      expect(pageErrors).toEqual([])
    }
    finally {
      await context.close()
    }
  })

  it('Node: quick-start.ts prints the progress and the result, and exits', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'quick-start.ts'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines).toContain('succeeded: 100%')
    expect(lines.at(-1)).toMatch(/^succeeded on http:\/\/127\.0\.0\.1:8188: http:\/\/127\.0\.0\.1:8188\/view\?\S+$/)
  })

  it('Vue, simulator stopped: the page says which server could not be reached and what to do', async () => {
    const exited = new Promise(resolve => sim!.once('exit', resolve))
    sim!.kill() // Ctrl+C in the second terminal
    await exited
    const context = await browser!.newContext()
    try {
      const page = await context.newPage()
      await page.goto(pageUrl)
      await page.getByRole('button', { name: 'Generate' }).click()
      const alert = page.getByRole('alert')
      await alert.waitFor({ timeout: 30_000 })
      const text = await alert.textContent() ?? ''
      expect(text).toContain('"http://127.0.0.1:8188"')
      expect(text).toContain('Check that ComfyUI runs there')
      expect(await page.getByRole('img', { name: 'result' }).count()).toBe(0)
    }
    finally {
      await context.close()
    }
  })
})
