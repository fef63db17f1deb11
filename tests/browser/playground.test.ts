import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import type { ServersInfo } from '../helpers/playground-browser'
import type { ViteDevServer } from 'vite'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, playgroundApi, startPlayground } from '../helpers/playground-browser'
import { invertUiWorkflow } from '../helpers/ui-workflows'

// The playground (playground/) served by Vite with its three simulators, driven in headless Chromium.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// Written on every run to an ignored folder (docs/playground.png is copied from playground-first-screen.test.ts's shot).
const SCREENSHOT = join(ROOT, 'tests', 'browser', 'artifacts', 'playground.png')
const TASK_MODE_SCREENSHOT = join(ROOT, 'tests', 'browser', 'artifacts', 'playground-task-mode.png')
const TERMINAL = ['succeeded', 'failed', 'interrupted', 'cancelled', 'lost']

interface LoggedRequest { seq: number, kind: 'http' | 'ws-open' | 'ws-close', method?: string, path: string, clientId?: string, promptIds: string[], server: string }
interface SimLog { index: number, label: string, url: string, requests: LoggedRequest[] }

let vite: ViteDevServer
let browser: Browser
let baseUrl: string
let info: ServersInfo
const contexts = new Set<BrowserContext>()

/** `/__comfy/*` of the dev server, as JSON. */
const devApi = <T>(path: string, body?: unknown): Promise<T> => playgroundApi<T>(baseUrl, path, body)

/**
 * A PNG of `width`×`height` with a fixed pattern of distinct colours. Each test uses its own `seed`: a server caches
 * node results by input, and a cached run would finish at once, without progress.
 */
function makePng(width: number, height: number, seed = 0): { buffer: Buffer, png: PNG } {
  const png = new PNG({ width, height })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      png.data[i] = Math.round((x / Math.max(1, width - 1)) * 255)
      png.data[i + 1] = Math.round((y / Math.max(1, height - 1)) * 255)
      png.data[i + 2] = (x * 37 + y * 91 + seed * 53) % 256
      png.data[i + 3] = 255
    }
  }
  return { buffer: PNG.sync.write(png), png }
}

/** A fresh tab (its own sessionStorage, so its own clientId) with the playground loaded, with `query` (e.g. `?affinity=task`). */
async function openPlayground(query = ''): Promise<{ page: Page, pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 960 } })
  contexts.add(context)
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', error => pageErrors.push(error.message))
  await page.goto(new URL(query, baseUrl).href)
  await page.getByTestId('app').waitFor()
  return { page, pageErrors }
}

async function closePage(page: Page): Promise<void> {
  const context = page.context()
  contexts.delete(context)
  await context.close()
}

/** Picks a preset (and an image), submits, and returns the new task's card and prompt id. */
async function submit(page: Page, presetId: string, image?: { name: string, buffer: Buffer }): Promise<{ card: Locator, promptId: string }> {
  await page.getByTestId('preset-select').selectOption(presetId)
  if (image) {
    await page.getByTestId('image-input').setInputFiles({ name: image.name, mimeType: 'image/png', buffer: image.buffer })
    // The form reads the image's size (the Scale preset needs it) before it is ready.
    await expect.poll(() => page.getByTestId('picked-image').textContent()).toMatch(/\d+×\d+/)
  }
  const before = await page.getByTestId('task-card').count()
  await page.getByTestId('submit-button').click()
  const submitError = page.getByTestId('submit-error')
  await expect.poll(async () => (await submitError.count()) > 0 ? `submit error: ${await submitError.textContent()}` : await page.getByTestId('task-card').count(), { timeout: 10_000 }).toBe(before + 1)
  // Newest first.
  const promptId = await page.getByTestId('task-card').first().getAttribute('data-prompt-id') ?? ''
  expect(promptId).toMatch(/^[\w-]{8,}$/)
  return { card: page.locator(`[data-testid="task-card"][data-prompt-id="${promptId}"]`), promptId }
}

/** Waits until the task ends; returns its state and the error text shown. */
async function waitForEnd(card: Locator, timeout = 20_000): Promise<{ state: string, error: string }> {
  const deadline = Date.now() + timeout
  for (;;) {
    const state = await card.getAttribute('data-state') ?? ''
    if (TERMINAL.includes(state)) {
      const error = card.getByTestId('task-error')
      return { state, error: (await error.count()) > 0 ? (await error.textContent() ?? '').trim() : '' }
    }
    if (Date.now() > deadline)
      throw new Error(`The task did not end within ${timeout} ms; it is still "${state}".`)
    await new Promise(r => setTimeout(r, 100))
  }
}

/** Waits until the task's progress bar shows at least `value` steps; fails at once if the task ends first. */
async function waitForProgress(card: Locator, value: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  for (;;) {
    const state = await card.getAttribute('data-state') ?? ''
    if (TERMINAL.includes(state))
      throw new Error(`The task ended as "${state}" before its progress reached ${value}.`)
    const bar = card.getByTestId('task-progress')
    if ((await bar.count()) > 0 && Number(await bar.getAttribute('value')) >= value)
      return
    if (Date.now() > deadline)
      throw new Error(`The task's progress did not reach ${value} within ${timeout} ms (state "${state}").`)
    await new Promise(r => setTimeout(r, 50))
  }
}

async function resultImageLoaded(card: Locator): Promise<Locator> {
  const img = card.getByTestId('result-image').first()
  await img.waitFor()
  await expect.poll(() => img.evaluate(el => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0)
  return img
}

beforeAll(async () => {
  ;({ vite, baseUrl, info } = await startPlayground())
  browser = await launchChromium()
})

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {})
  await browser?.close()
  await vite?.close()
})

describe('playground', () => {
  it('inverts an uploaded image on one server and shows the result', async () => {
    const { page, pageErrors } = await openPlayground()
    try {
      const input = makePng(8, 8)
      const { card } = await submit(page, 'invert', { name: 'pattern.png', buffer: input.buffer })
      const end = await waitForEnd(card)
      expect(end, end.error).toEqual({ state: 'succeeded', error: '' })

      const img = await resultImageLoaded(card)
      expect(await img.evaluate(el => [(el as HTMLImageElement).naturalWidth, (el as HTMLImageElement).naturalHeight])).toEqual([8, 8])
      const src = await img.getAttribute('src') ?? ''
      const server = await card.getAttribute('data-server')
      expect(src.startsWith(`${server}/`), `result ${src} should be on the task's server ${server}`).toBe(true)

      // The pixels the server made: each RGB channel is 255 minus the input's, alpha unchanged.
      const res = await fetch(src)
      expect(res.status).toBe(200)
      const out = PNG.sync.read(Buffer.from(await res.arrayBuffer()))
      expect([out.width, out.height]).toEqual([8, 8])
      const expected = Buffer.from(input.png.data.map((v, i) => (i % 4 === 3 ? v : 255 - v)))
      expect(Buffer.from(out.data).equals(expected), 'the result is the inverted input').toBe(true)
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })

  it('submits a pasted UI-format workflow (as ComfyUI\'s "Save" writes it) and shows the inverted image', async () => {
    const { page, pageErrors } = await openPlayground()
    try {
      const input = makePng(6, 6, 15)
      await page.getByTestId('preset-select').selectOption('invert')
      await page.getByTestId('image-input').setInputFiles({ name: 'ui.png', mimeType: 'image/png', buffer: input.buffer })
      await expect.poll(() => page.getByTestId('picked-image').textContent()).toMatch(/\d+×\d+/)
      await page.getByTestId('workflow-toggle').click() // the JSON is folded away until asked for
      await page.getByTestId('workflow-input').fill(JSON.stringify(invertUiWorkflow('pasted-ui'), null, 2))
      await page.getByTestId('submit-button').click()
      const submitError = page.getByTestId('submit-error')
      const card = page.getByTestId('task-card').filter({ has: page.getByTestId('task-format') }).first()
      await expect.poll(async () => (await submitError.count()) > 0 ? `submit error: ${await submitError.textContent()}` : await card.count(), { timeout: 10_000 }).toBe(1)
      expect(await card.getByTestId('task-format').textContent()).toContain('UI format')
      const end = await waitForEnd(card)
      expect(end, end.error).toEqual({ state: 'succeeded', error: '' })
      const src = await (await resultImageLoaded(card)).getAttribute('src') ?? ''
      expect(src).toContain('pasted-ui')
      const out = PNG.sync.read(Buffer.from(await (await fetch(src)).arrayBuffer()))
      expect(Buffer.from(out.data).equals(Buffer.from(input.png.data.map((v, i) => (i % 4 === 3 ? v : 255 - v)))), 'the result is the inverted input').toBe(true)
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })

  it('keeps every request and socket of a task on its server when the socket drops mid-task', async () => {
    await devApi('/sim/clear-log', {})
    const { page, pageErrors } = await openPlayground()
    try {
      const clientId = (await page.getByTestId('client-id').textContent())?.trim() ?? ''
      expect(clientId).not.toBe('')
      const { card, promptId } = await submit(page, 'slow', { name: 'slow.png', buffer: makePng(8, 8, 1).buffer })
      await waitForProgress(card, 2)
      const server = await card.getAttribute('data-server') ?? ''
      const index = info.servers.indexOf(server)
      expect(index, `task server ${server} is one of ${info.servers.join(', ')}`).toBeGreaterThanOrEqual(0)

      await devApi(`/sim/${index}/drop-sockets`, {})
      await expect.poll(() => page.locator('[data-testid="log-entry"][data-kind="socket-closed"]').count(), { timeout: 5000 }).toBeGreaterThan(0)
      const end = await waitForEnd(card)
      expect(end, end.error).toEqual({ state: 'succeeded', error: '' })
      await resultImageLoaded(card)
      expect(await page.locator('[data-testid="log-entry"][data-kind="socket-open"]').count(), 'the socket reopened').toBeGreaterThanOrEqual(2)

      const logs = await devApi<SimLog[]>('/sim/requests')
      const ours = logs.flatMap(l => l.requests).filter(r => r.promptIds.includes(promptId) || r.clientId === clientId)
      expect(new Set(ours.map(r => r.server)), 'every request of the task and every socket of the client on one server').toEqual(new Set([server]))
      expect(ours.some(r => r.kind === 'http' && r.method === 'POST' && /\/prompt$/.test(r.path)), 'POST /prompt was logged').toBe(true)
      expect(ours.filter(r => r.kind === 'ws-open').length, 'the socket opened twice, both times on the task\'s server').toBeGreaterThanOrEqual(2)
      const owner = logs.find(l => l.index === index)
      expect(owner?.requests.some(r => r.kind === 'http' && r.method === 'POST' && /\/upload\/image$/.test(r.path)), 'the upload went to the task\'s server').toBe(true)
      // The other servers saw nothing but placement probes before the lock was taken: health (GET /prompt) and what
      // they can run (GET /object_info, also read by the servers panel).
      for (const other of logs.filter(l => l.index !== index)) {
        const unexpected = other.requests.filter(r => !(r.kind === 'http' && r.method === 'GET' && /\/(?:prompt|object_info(?:\/[^/]+)?)$/.test(r.path)))
        expect(unexpected, `server ${other.label} (${other.url})`).toEqual([])
      }
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })

  it('shows a task as lost, with a readable reason, when its server restarts mid-task', async () => {
    const { page, pageErrors } = await openPlayground()
    try {
      const { card, promptId } = await submit(page, 'slow', { name: 'restart.png', buffer: makePng(8, 8, 2).buffer })
      await waitForProgress(card, 1)
      const server = await card.getAttribute('data-server') ?? ''
      const index = info.servers.indexOf(server)
      await devApi(`/sim/${index}/restart`, { downtimeMs: 800 })

      const end = await waitForEnd(card, 30_000)
      expect(end.state, end.error).toBe('lost')
      expect(end.error).toContain('TASK_LOST')
      expect(end.error).toContain(promptId)
      expect(end.error).toContain(server)
      expect(end.error).toMatch(/restarted/i)
      expect(end.error).not.toMatch(/undefined|\[object /)
      await expect.poll(() => page.getByTestId('lock-state').textContent(), { timeout: 5000 }).toMatch(/free/)
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })

  it('switches between one lock per session and one lock per task, through the URL', async () => {
    const { page, pageErrors } = await openPlayground()
    try {
      const badge = page.getByTestId('affinity')
      expect(await badge.getAttribute('data-affinity')).toBe('session')
      expect(await page.getByTestId('mode-session').isChecked()).toBe(true)
      expect(await page.getByTestId('max-tasks-input').isDisabled(), 'max tasks per server is for task mode only').toBe(true)
      expect(await page.getByTestId('mode-apply').isDisabled(), 'nothing to apply yet').toBe(true)

      await page.getByTestId('mode-task').check()
      await page.getByTestId('max-tasks-input').fill('3')
      await page.getByTestId('mode-apply').click()
      await page.waitForURL(url => url.searchParams.get('affinity') === 'task' && url.searchParams.get('maxTasksPerServer') === '3')
      await expect.poll(() => page.getByTestId('affinity').getAttribute('data-affinity')).toBe('task')
      expect(await page.getByTestId('affinity').textContent()).toContain('max 3')
      expect(await page.getByTestId('mode-task').isChecked()).toBe(true)
      expect(await page.getByTestId('lock-panel').textContent()).toMatch(/at most 3 of ours per server/)

      await page.getByTestId('mode-session').check()
      await page.getByTestId('mode-apply').click()
      await page.waitForURL(url => url.searchParams.get('affinity') === 'session' && !url.searchParams.has('maxTasksPerServer'))
      await expect.poll(() => page.getByTestId('affinity').getAttribute('data-affinity')).toBe('session')
      expect(await page.getByTestId('mode-problem').count()).toBe(0)
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })

  it('spreads tasks over the servers with one lock per task, each task tethered to its own server', async () => {
    await devApi('/sim/clear-log', {})
    const { page, pageErrors } = await openPlayground('?affinity=task&maxTasksPerServer=2')
    try {
      expect(await page.getByTestId('affinity').getAttribute('data-affinity')).toBe('task')
      await page.getByTestId('preset-select').selectOption('slow')
      await page.getByTestId('image-input').setInputFiles({ name: 'spread.png', mimeType: 'image/png', buffer: makePng(8, 8, 4).buffer })
      await expect.poll(() => page.getByTestId('picked-image').textContent()).toMatch(/\d+×\d+/)
      await page.getByTestId('copies-input').fill('6')
      expect((await page.getByTestId('submit-button').textContent())?.trim()).toBe('Submit ×6')
      await page.getByTestId('submit-button').click()

      // While they run: several locks, each with its socket, and several servers marked locked.
      await expect.poll(() => page.getByTestId('lock-row').count(), { timeout: 5000 }).toBeGreaterThan(1)
      await expect.poll(() => page.locator('[data-testid^="server-"][data-locked="true"]').count(), { timeout: 5000 }).toBeGreaterThan(1)
      await expect.poll(async () => (await page.getByTestId('lock-row-socket').allTextContents()).every(t => t.trim() === 'OPEN'), { timeout: 5000 }).toBe(true)
      // Switching mode is off while tasks are pending, and the page says why.
      expect(await page.getByTestId('mode-apply').isDisabled()).toBe(true)
      expect(await page.getByTestId('mode-task').isDisabled()).toBe(true)
      expect(await page.getByTestId('mode-blocked').textContent()).toMatch(/pending/)

      // Every submit gets a server (a submit may wait in the page while the servers hold their maximum of our tasks).
      const submitError = page.getByTestId('submit-error')
      const cards = page.getByTestId('task-card')
      await expect.poll(async () => (await submitError.count()) > 0 ? `submit error: ${await submitError.textContent()}` : await cards.count(), { timeout: 20_000 }).toBe(6)

      const running = page.locator('[data-testid="task-card"][data-state="running"]').first()
      await waitForProgress(running, 2).catch(() => {}) // only to make the screenshot livelier
      await mkdir(join(ROOT, 'tests', 'browser', 'artifacts'), { recursive: true })
      await page.screenshot({ path: TASK_MODE_SCREENSHOT, fullPage: true })

      const promptIds = await cards.evaluateAll(els => els.map(el => el.getAttribute('data-prompt-id') ?? ''))
      expect(new Set(promptIds).size).toBe(6)
      const byPrompt = new Map<string, { server: string, label: string }>()
      for (const promptId of promptIds) {
        const card = page.locator(`[data-testid="task-card"][data-prompt-id="${promptId}"]`)
        const end = await waitForEnd(card, 30_000)
        expect(end, `${promptId}: ${end.error}`).toEqual({ state: 'succeeded', error: '' })
        const server = await card.getAttribute('data-server') ?? ''
        const label = (await card.getByTestId('task-server').textContent())?.trim() ?? ''
        expect(label, `the card names the server ${server} by its label`).toBe(info.labels[info.servers.indexOf(server)])
        byPrompt.set(promptId, { server, label })
      }
      const used = new Set([...byPrompt.values()].map(v => v.server))
      expect(used.size, `servers used: ${[...byPrompt.values()].map(v => v.label).join(', ')}`).toBeGreaterThanOrEqual(2)

      // Every request about a prompt id reached the one server its card names.
      const logs = await devApi<SimLog[]>('/sim/requests')
      const all = logs.flatMap(l => l.requests)
      for (const [promptId, { server, label }] of byPrompt) {
        const ours = all.filter(r => r.promptIds.includes(promptId))
        expect(ours.some(r => r.kind === 'http' && r.method === 'POST' && /\/prompt$/.test(r.path)), `POST /prompt of ${promptId} was logged`).toBe(true)
        expect(new Set(ours.map(r => r.server)), `every request of ${promptId} on ${label} (${server})`).toEqual(new Set([server]))
      }
      // Each server that ran a task got the image uploaded to it.
      for (const server of used)
        expect(logs.find(l => l.url === server)?.requests.some(r => r.kind === 'http' && r.method === 'POST' && /\/upload\/image$/.test(r.path)), `upload on ${server}`).toBe(true)

      // All ended: every lock is released, and the mode can be switched again.
      await expect.poll(() => page.getByTestId('lock-state').textContent(), { timeout: 5000 }).toMatch(/free/)
      expect(await page.getByTestId('lock-row').count()).toBe(0)
      expect(await page.getByTestId('mode-blocked').count()).toBe(0)
      expect(await page.getByTestId('mode-task').isDisabled()).toBe(false)
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })

  it('runs a template preset only where its model is, says per server why not, and ends with a full bar', async () => {
    const { page, pageErrors } = await openPlayground('?affinity=task&maxTasksPerServer=2')
    try {
      await page.getByTestId('preset-select').selectOption('upscale')
      await expect.poll(() => page.getByTestId('template-params').count()).toBe(1)
      // The servers panel: A has the model, B has the nodes but not the model, C lacks the nodes.
      const capability = (i: number) => page.getByTestId(`server-${i}`).getByTestId('server-capability')
      await expect.poll(() => capability(0).getAttribute('data-can-run'), { timeout: 5000 }).toBe('true')
      await expect.poll(() => capability(1).textContent(), { timeout: 5000 }).toMatch(/lacks model_name "4x-UltraSharp\.pth"/)
      await expect.poll(() => capability(2).textContent(), { timeout: 5000 }).toMatch(/lacks node type UpscaleModelLoader/)

      const { card } = await submit(page, 'upscale', { name: 'up.png', buffer: makePng(6, 4, 5).buffer })
      const end = await waitForEnd(card)
      expect(end, end.error).toEqual({ state: 'succeeded', error: '' })
      expect(await card.getAttribute('data-server')).toBe(info.servers[0])
      const img = await resultImageLoaded(card)
      expect(await img.evaluate(el => [(el as HTMLImageElement).naturalWidth, (el as HTMLImageElement).naturalHeight])).toEqual([24, 16])
      expect(await card.getByTestId('task-overall-progress').getAttribute('value')).toBe('100')
      expect((await card.getByTestId('task-overall-label').textContent())?.trim()).toBe('Done · 4 of 4 nodes')
      expect(await card.getByTestId('task-progress').count(), 'no leftover step bar on a finished card').toBe(0)

      // A model no server has: the submit is refused before anything is sent, naming what each server lacks.
      await page.getByTestId('param-model').fill('8x-Missing.pth')
      await page.getByTestId('submit-button').click()
      await expect.poll(() => page.getByTestId('submit-error').textContent(), { timeout: 5000 }).toMatch(/No server can run this workflow/)
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })

  it('saves a screenshot of a finished run', async () => {
    const { page, pageErrors } = await openPlayground()
    try {
      const { card: scaled } = await submit(page, 'scale', { name: 'gradient.png', buffer: makePng(24, 24, 3).buffer })
      expect((await waitForEnd(scaled)).state).toBe('succeeded')
      const { card: inverted } = await submit(page, 'invert', { name: 'gradient.png', buffer: makePng(24, 24, 3).buffer })
      expect((await waitForEnd(inverted)).state).toBe('succeeded')
      const img = await resultImageLoaded(inverted)
      expect(await (await resultImageLoaded(scaled)).evaluate(el => (el as HTMLImageElement).naturalWidth)).toBe(48)
      await expect.poll(() => img.isVisible()).toBe(true)

      await mkdir(join(ROOT, 'tests', 'browser', 'artifacts'), { recursive: true })
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      const shot = PNG.sync.read(await readFile(SCREENSHOT))
      expect(shot.width).toBe(1280)
      expect(shot.height).toBeGreaterThanOrEqual(600)
      expect(pageErrors).toEqual([])
    }
    finally {
      await closePage(page)
    }
  })
})
