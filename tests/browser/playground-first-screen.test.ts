import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import type { ServersInfo } from '../helpers/playground-browser'
import type { ViteDevServer } from 'vite'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, playgroundApi, startPlayground } from '../helpers/playground-browser'

// What a newcomer sees first: the playground at 1280×900 and at 390×844 in headless Chromium, with its simulators.
// The lock, why it holds, the task cards and the timeline must be on the first screen; an outage must read as waiting.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// Written on every run to an ignored folder; docs/playground.png is a copy of the first one.
const ARTIFACTS = join(ROOT, 'tests', 'browser', 'artifacts')
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }
const TERMINAL = ['succeeded', 'failed', 'interrupted', 'cancelled', 'lost']


let vite: ViteDevServer
let browser: Browser
let baseUrl: string
let info: ServersInfo
const contexts = new Set<BrowserContext>()

const devApi = <T>(path: string, body?: unknown): Promise<T> => playgroundApi<T>(baseUrl, path, body)

/** A small PNG of its own (`seed`), so no server answers it from its cache unless a test wants that. */
function png(seed: number): Buffer {
  const image = new PNG({ width: 8, height: 8 })
  for (let i = 0; i < image.data.length; i += 4) {
    image.data[i] = (i * 5 + seed * 29) % 256
    image.data[i + 1] = (i * 11) % 256
    image.data[i + 2] = (seed * 67) % 256
    image.data[i + 3] = 255
  }
  return PNG.sync.write(image)
}

async function open(viewport: { width: number, height: number }, query = ''): Promise<{ page: Page, pageErrors: string[] }> {
  const context = await browser.newContext({ viewport })
  contexts.add(context)
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', error => pageErrors.push(error.message))
  await page.goto(new URL(query, baseUrl).href)
  await page.getByTestId('app').waitFor()
  return { page, pageErrors }
}

async function close(page: Page): Promise<void> {
  contexts.delete(page.context())
  await page.context().close()
}

/** Clicks submit (with whatever image the form holds) and returns the new card, newest first. */
async function submit(page: Page): Promise<Locator> {
  const before = await page.getByTestId('task-card').count()
  await page.getByTestId('submit-button').click()
  const error = page.getByTestId('submit-error')
  await expect.poll(async () => (await error.count()) > 0 ? `submit error: ${await error.textContent()}` : await page.getByTestId('task-card').count(), { timeout: 10_000 }).toBe(before + 1)
  const promptId = await page.getByTestId('task-card').first().getAttribute('data-prompt-id') ?? ''
  return page.locator(`[data-testid="task-card"][data-prompt-id="${promptId}"]`)
}

async function useOwnImage(page: Page, seed: number): Promise<void> {
  await page.getByTestId('image-input').setInputFiles({ name: `own-${seed}.png`, mimeType: 'image/png', buffer: png(seed) })
  await expect.poll(() => page.getByTestId('picked-image').textContent()).toMatch(new RegExp(`own-${seed}\\.png · 8×8`))
}

async function stateOf(card: Locator, timeout = 30_000): Promise<string> {
  await expect.poll(async () => TERMINAL.includes(await card.getAttribute('data-state') ?? ''), { timeout }).toBe(true)
  return await card.getAttribute('data-state') ?? ''
}

async function progressReaches(card: Locator, value: number): Promise<void> {
  await expect.poll(async () => {
    const state = await card.getAttribute('data-state') ?? ''
    if (TERMINAL.includes(state))
      return `ended ${state}`
    const bar = card.getByTestId('task-progress')
    return (await bar.count()) > 0 ? Number(await bar.getAttribute('value')) >= value : false
  }, { timeout: 15_000 }).toBe(true)
}

/** The element's box, in the page's coordinates. */
async function boxOf(page: Page, testId: string): Promise<{ top: number, bottom: number, left: number, right: number }> {
  return await page.getByTestId(testId).first().evaluate((el) => {
    const r = el.getBoundingClientRect()
    return { top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left + scrollX, right: r.right + scrollX }
  })
}

/** Visible elements whose right edge is beyond the viewport (outside any element that scrolls or clips them). */
async function overflowing(page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const clipped = (el: Element): boolean => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible')
          return true
      }
      return false
    }
    const out: string[] = []
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect()
      if (r.width > 0 && r.height > 0 && r.right > innerWidth + 0.5 && !clipped(el))
        out.push(`${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}.${el.className} right=${Math.round(r.right)}`)
    }
    return out
  })
}

beforeAll(async () => {
  ;({ vite, baseUrl, info } = await startPlayground())
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
})

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {})
  await browser?.close()
  await vite?.close()
})

describe('playground first screen', () => {
  it('runs Invert out of the box, then shows the lock, why it holds, the tasks and the timeline on the first screen at 1280×900', async () => {
    const { page, pageErrors } = await open(DESKTOP)
    try {
      // No file chosen: the form holds its sample picture, and the default preset (Invert) runs with it.
      await expect.poll(() => page.getByTestId('picked-image').getAttribute('data-sample')).toBe('true')
      await expect.poll(() => page.getByTestId('picked-image').textContent()).toMatch(/Sample picture · \d+×\d+/)
      expect(await page.getByTestId('preset-select').inputValue()).toBe('invert')
      const inverted = await submit(page)
      expect(await stateOf(inverted)).toBe('succeeded')
      const img = inverted.getByTestId('result-image').first()
      await expect.poll(() => img.evaluate(el => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0)

      // A task that takes a while: the lock says where it is held and why, in one sentence.
      await page.getByTestId('preset-select').selectOption('slow')
      const slow = await submit(page)
      await progressReaches(slow, 3)
      const label = (await slow.getByTestId('task-server').textContent())?.trim() ?? ''
      expect(info.labels).toContain(label)
      expect(await page.getByTestId('lock-state').textContent()).toContain(`locked to ${label}`)
      expect(await page.getByTestId('lock-why').textContent()).toMatch(new RegExp(`Locked to ${label}\\s*, held by 1 task pending on ${label}\\b`))

      // The lock panel, the task list (both cards) and the timeline all fit in the first 900 px, unscrolled.
      expect(await page.evaluate(() => scrollY)).toBe(0)
      for (const testId of ['lock-panel', 'task-list', 'lock-timeline']) {
        const box = await boxOf(page, testId)
        expect(box.top, `${testId} starts on the first screen`).toBeGreaterThanOrEqual(0)
        expect(box.bottom, `${testId} ends on the first screen (${JSON.stringify(box)})`).toBeLessThanOrEqual(DESKTOP.height)
      }
      const shot = join(ARTIFACTS, 'playground-first-screen.png')
      await page.screenshot({ path: shot })
      for (const card of [inverted, slow]) {
        const box = await card.boundingBox()
        expect(box && box.y + box.height <= DESKTOP.height, 'each task card is on the first screen').toBe(true)
      }
      const image = PNG.sync.read(await readFile(shot))
      expect([image.width, image.height]).toEqual([DESKTOP.width, DESKTOP.height])

      expect(await stateOf(slow)).toBe('succeeded')
      await expect.poll(() => page.getByTestId('lock-state').textContent()).toMatch(/free/)
      expect(pageErrors).toEqual([])
    }
    finally {
      await close(page)
    }
  })

  it('says when a re-run was served from ComfyUI\'s cache', async () => {
    const { page, pageErrors } = await open(DESKTOP)
    try {
      // Two copies at once: the session lock puts both on one server, and the second finds the first's results.
      await page.getByTestId('preset-select').selectOption('slow')
      await useOwnImage(page, 41)
      await page.getByTestId('copies-input').fill('2')
      await page.getByTestId('submit-button').click()
      const cards = page.getByTestId('task-card')
      await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(2)
      const both = [cards.nth(0), cards.nth(1)]
      for (const card of both) expect(await stateOf(card)).toBe('succeeded')
      expect(new Set(await cards.evaluateAll(els => els.map(el => el.getAttribute('data-server')))).size, 'one server, whose cache has the results').toBe(1)
      // Whichever ran second took everything from the cache; the first ran every node.
      await expect.poll(async () => (await cards.evaluateAll(els => els.map(el => el.getAttribute('data-cached')))).sort(), { timeout: 10_000 }).toEqual(['all', 'none'])
      const again = page.locator('[data-testid="task-card"][data-cached="all"]')
      const first = page.locator('[data-testid="task-card"][data-cached="none"]')
      expect(await first.getByTestId('task-cached').count()).toBe(0)
      expect(await again.getByTestId('task-cached').textContent()).toMatch(/Served from ComfyUI's cache: all 4 nodes/)
      expect(pageErrors).toEqual([])
    }
    finally {
      await close(page)
    }
  })

  it('shows a task waiting through an outage, folds the failed reconciles, offers only the faults that apply, and abandons the server', async () => {
    const { page, pageErrors } = await open(DESKTOP)
    try {
      const button = (index: number, testId: string): Locator => page.getByTestId(`server-${index}`).getByTestId(testId)
      // Nothing is down, so "Come up" is off everywhere; "Go down" is on once the simulators' state is read.
      for (const index of [0, 1, 2]) {
        await expect.poll(() => button(index, 'sim-down').isEnabled()).toBe(true)
        expect(await button(index, 'sim-up').isDisabled()).toBe(true)
      }

      await page.getByTestId('preset-select').selectOption('slow')
      await useOwnImage(page, 42)
      const card = await submit(page)
      await progressReaches(card, 2)
      const index = info.servers.indexOf(await card.getAttribute('data-server') ?? '')
      const label = info.labels[index] ?? ''
      await expect.poll(() => button(index, 'sim-drop').isEnabled(), { timeout: 5000 }).toBe(true)

      await button(index, 'sim-down').click()
      const waiting = card.getByTestId('task-waiting')
      await expect.poll(() => waiting.getAttribute('data-reason'), { timeout: 10_000 }).toBe('outage')
      expect(await waiting.textContent()).toMatch(new RegExp(`server ${label} unreachable since \\d\\d:\\d\\d:\\d\\d`))
      const overall = (await card.getByTestId('task-overall-label').textContent()) ?? ''
      expect(overall, 'no time-left estimate while the server is down').not.toMatch(/left/)
      expect(overall).toMatch(/paused/)
      expect(await page.getByTestId('lock-why').textContent()).toMatch(new RegExp(`Locked to ${label}\\s*, unreachable since`))
      expect(await page.getByTestId('lock-why').getAttribute('data-state')).toBe('down')

      // Only "Come up" applies to a server that is down.
      await expect.poll(() => button(index, 'sim-up').isEnabled()).toBe(true)
      for (const testId of ['sim-down', 'sim-drop', 'sim-restart', 'sim-silent'])
        expect(await button(index, testId).isDisabled(), testId).toBe(true)

      // A failed reconcile every second is one log line with a count, not a line each.
      const failed = page.locator('[data-testid="log-entry"][data-failed="true"]')
      await expect.poll(async () => Math.max(0, ...(await failed.evaluateAll(els => els.map(el => Number(el.getAttribute('data-count')))))), { timeout: 15_000 }).toBeGreaterThanOrEqual(3)
      const counts = await failed.evaluateAll(els => els.map(el => Number(el.getAttribute('data-count'))))
      expect(counts.length, `failed reconciles in ${counts.length} line(s): ${counts.join(', ')}`).toBeLessThan(counts.reduce((a, b) => a + b, 0))
      expect(await failed.first().getByTestId('log-repeat').textContent()).toMatch(/^×\d+ since \d\d:\d\d:\d\d$/)

      // Abandon: the task ends lost at once, saying why, and the lock is free for another server.
      await page.getByTestId('abandon-button').click()
      expect(await stateOf(card, 5000)).toBe('lost')
      expect(await card.getByTestId('task-error').textContent()).toMatch(/abandon/i)
      await expect.poll(() => page.getByTestId('lock-state').textContent()).toMatch(/free/)
      expect(await card.getByTestId('task-waiting').count()).toBe(0)
      expect(pageErrors).toEqual([])
    }
    finally {
      await devApi(`/sim/0/come-up`, {}).catch(() => {})
      await devApi(`/sim/1/come-up`, {}).catch(() => {})
      await devApi(`/sim/2/come-up`, {}).catch(() => {})
      await close(page)
    }
  })

  it('says per locked server why it holds with one lock per task, and abandons one server', async () => {
    const { page, pageErrors } = await open(DESKTOP, '?affinity=task&maxTasksPerServer=2')
    try {
      expect(await page.getByTestId('lock-why').textContent()).toMatch(/Free\..*at most 2 of ours per server/s)
      await page.getByTestId('preset-select').selectOption('slow')
      await useOwnImage(page, 43)
      const card = await submit(page)
      await progressReaches(card, 1)
      const label = (await card.getByTestId('task-server').textContent())?.trim() ?? ''
      expect(await page.getByTestId('lock-why').textContent()).toMatch(new RegExp(`1 server locked.*: 1 task pending on ${label}\\.`, 's'))
      const row = page.locator(`[data-testid="lock-row"][data-server="${await card.getAttribute('data-server')}"]`)
      expect(await row.getByTestId('lock-row-why').textContent()).toMatch(new RegExp(`1 task pending on ${label}`))
      await row.getByTestId('lock-row-abandon').click()
      expect(await stateOf(card, 5000)).toBe('lost')
      await expect.poll(() => page.getByTestId('lock-state').textContent()).toMatch(/free/)
      expect(pageErrors).toEqual([])
    }
    finally {
      await close(page)
    }
  })

  it('fits a 390×844 phone: the lock first, and nothing wider than the screen', async () => {
    const { page, pageErrors } = await open(PHONE)
    try {
      await expect.poll(() => page.getByTestId('picked-image').getAttribute('data-sample')).toBe('true')
      const card = await submit(page)
      expect(await stateOf(card)).toBe('succeeded')
      await card.getByTestId('result-image').first().waitFor()
      const lock = await boxOf(page, 'lock-panel')
      expect(lock.top, 'the lock panel is on the first screen').toBeLessThan(PHONE.height / 2)
      expect(lock.top, 'the lock comes before the form').toBeLessThan((await boxOf(page, 'submit-form')).top)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
      expect(await overflowing(page)).toEqual([])
      await page.screenshot({ path: join(ARTIFACTS, 'playground-phone.png'), fullPage: true })
      expect(pageErrors).toEqual([])
    }
    finally {
      await close(page)
    }
  })
})
