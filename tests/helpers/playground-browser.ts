// What the browser tests share: Debian's Chromium, launched as this machine needs it, and the playground's Vite dev
// server (its three embedded simulators) with the `/__comfy/*` API it serves for tests.
import type { Browser } from 'playwright-core'
import type { ViteDevServer } from 'vite'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createServer } from 'vite'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Debian's Chromium: no browser is ever downloaded. */
export const CHROMIUM = '/usr/bin/chromium'

/** What the playground's dev server says of its servers (`GET /__comfy/servers`). */
export interface ServersInfo { servers: string[], labels: string[], simulated: boolean }

/** Headless Chromium, with the background networking this closed machine refuses turned off. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (no browser is ever downloaded).`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** The repository's Vite dev server, as `npm run dev` loads it, on a free port. */
export async function startDevServer(): Promise<{ vite: ViteDevServer, baseUrl: string }> {
  const vite = await createServer({
    configFile: join(ROOT, 'vite.config.ts'),
    configLoader: 'runner', // as `npm run dev` loads it
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: join(ROOT, 'node_modules/.vite-browser-tests'),
    // No HMR and no watcher: a source edit elsewhere must not reload the page in the middle of a test.
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  })
  await vite.listen()
  const baseUrl = vite.resolvedUrls?.local[0] ?? ''
  if (!baseUrl)
    throw new Error('The Vite dev server did not report its URL.')
  return { vite, baseUrl }
}

/** `/__comfy/*` of the dev server at `baseUrl`, as JSON (a POST when `body` is given). */
export async function playgroundApi<T>(baseUrl: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(`/__comfy${path}`, baseUrl), body === undefined
    ? {}
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok)
    throw new Error(`${body === undefined ? 'GET' : 'POST'} /__comfy${path} answered ${res.status}: ${text}`)
  return JSON.parse(text) as T
}

/** The playground with its three simulators (not real servers: `COMFY_SERVERS` is dropped). */
export async function startPlayground(): Promise<{ vite: ViteDevServer, baseUrl: string, info: ServersInfo }> {
  delete process.env.COMFY_SERVERS // the tests drive the simulators
  const { vite, baseUrl } = await startDevServer()
  const info = await playgroundApi<ServersInfo>(baseUrl, '/servers')
  if (!info.simulated || info.servers.length !== 3)
    throw new Error(`The playground should run three simulators, got ${JSON.stringify(info)}.`)
  return { vite, baseUrl, info }
}
