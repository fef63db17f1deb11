import type { Browser, Locator, Page } from 'playwright-core'
import type { ServersInfo } from '../helpers/playground-browser'
import type { ViteDevServer } from 'vite'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, playgroundApi, startPlayground } from '../helpers/playground-browser'

// The playground's lock timeline after a fault storm, in headless Chromium: tasks on several servers, a socket drop
// and a restart sent with the page's own fault buttons; each task's bar must sit on its own server's lane only.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// Written on every run to an ignored folder; docs/timeline.png is a copy chosen by hand for the README.
const SCREENSHOT = join(ROOT, 'tests', 'browser', 'artifacts', 'timeline.png')
const TERMINAL = ['succeeded', 'failed', 'interrupted', 'cancelled', 'lost']

interface SimLog { index: number, url: string, requests: { promptIds: string[] }[] }

let vite: ViteDevServer
let browser: Browser
let baseUrl: string
let info: ServersInfo

const devApi = <T>(path: string, body?: unknown): Promise<T> => playgroundApi<T>(baseUrl, path, body)

/** A small PNG; `seed` makes it differ from other tests' images, so no server answers from its cache. */
function png(seed: number): Buffer {
  const image = new PNG({ width: 8, height: 8 })
  for (let i = 0; i < image.data.length; i += 4) {
    image.data[i] = (i * 7 + seed * 31) % 256
    image.data[i + 1] = (i * 3) % 256
    image.data[i + 2] = seed % 256
    image.data[i + 3] = 255
  }
  return PNG.sync.write(image)
}

/** The data-server of the running tasks' cards. */
async function runningServers(page: Page): Promise<string[]> {
  return await page.locator('[data-testid="task-card"][data-state="running"]').evaluateAll(els => els.map(el => el.getAttribute('data-server') ?? ''))
}

async function waitForEnd(card: Locator): Promise<string> {
  await expect.poll(async () => TERMINAL.includes(await card.getAttribute('data-state') ?? ''), { timeout: 45_000 }).toBe(true)
  return await card.getAttribute('data-state') ?? ''
}

/** The lane of a server on the timeline. */
function lane(page: Page, server: string): Locator {
  return page.locator(`[data-testid="timeline-lane"][data-server="${server}"]`)
}

beforeAll(async () => {
  ;({ vite, baseUrl, info } = await startPlayground())
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await vite?.close()
})

describe('lock timeline', () => {
  it('shows each task on its own server\'s lane, with the socket drop and the restart marked', async () => {
    await devApi('/sim/clear-log', {})
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', error => pageErrors.push(error.message))
    try {
      await page.goto(new URL('?affinity=task&maxTasksPerServer=2', baseUrl).href)
      await page.getByTestId('app').waitFor()
      const timeline = page.getByTestId('lock-timeline')
      expect(await timeline.locator('[data-testid="timeline-lane"]').evaluateAll(els => els.map(el => el.getAttribute('data-server'))), 'one lane per server, in order').toEqual(info.servers)

      await page.getByTestId('preset-select').selectOption('slow')
      await page.getByTestId('image-input').setInputFiles({ name: 'storm.png', mimeType: 'image/png', buffer: png(11) })
      await expect.poll(() => page.getByTestId('picked-image').textContent()).toMatch(/\d+×\d+/)
      await page.getByTestId('copies-input').fill('4')
      await page.getByTestId('submit-button').click()
      await expect.poll(() => page.getByTestId('task-card').count(), { timeout: 20_000 }).toBe(4)
      await expect.poll(async () => new Set(await runningServers(page)).size, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)

      // Fault 1: drop the socket of one running task's server, with the page's button (so the page records it).
      const [dropped, other] = [...new Set(await runningServers(page))]
      const droppedIndex = info.servers.indexOf(dropped!)
      await page.getByTestId(`server-${droppedIndex}`).getByTestId('sim-drop').click()
      await expect.poll(() => lane(page, dropped!).locator('[data-testid="timeline-socket"][data-state="down"]').count(), { timeout: 10_000 }).toBeGreaterThan(0)
      await expect.poll(() => lane(page, dropped!).locator('[data-testid="timeline-event"][data-kind="socket-open"]').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2)

      // Fault 2: restart another server while its task runs: that task is lost, the others go on.
      const restartedIndex = info.servers.indexOf(other!)
      await page.getByTestId(`server-${restartedIndex}`).getByTestId('sim-restart').click()

      const cards = page.getByTestId('task-card')
      const promptIds = await cards.evaluateAll(els => els.map(el => el.getAttribute('data-prompt-id') ?? ''))
      const tasks = new Map<string, { server: string, state: string }>()
      for (const promptId of promptIds) {
        const card = page.locator(`[data-testid="task-card"][data-prompt-id="${promptId}"]`)
        const state = await waitForEnd(card)
        tasks.set(promptId, { server: await card.getAttribute('data-server') ?? '', state })
      }
      expect([...tasks.values()].some(t => t.server === other && t.state === 'lost'), 'the restart lost the task running there').toBe(true)
      expect([...tasks.values()].filter(t => t.server === dropped).every(t => t.state === 'succeeded'), 'the drop lost nothing').toBe(true)

      // Each task has one bar, on its own server's lane, in its final state.
      for (const [promptId, task] of tasks) {
        const bars = timeline.locator(`[data-testid="timeline-task"][data-prompt-id="${promptId}"]`)
        await expect.poll(() => bars.count()).toBe(1)
        expect(await bars.evaluate(el => el.closest('[data-testid="timeline-lane"]')?.getAttribute('data-server')), `${promptId} on its lane`).toBe(task.server)
        await expect.poll(() => bars.getAttribute('data-state')).toBe(task.state)
      }
      for (const server of info.servers) {
        const own = [...tasks.values()].filter(t => t.server === server).length
        expect(await lane(page, server).locator('[data-testid="timeline-task"]').count(), `lane ${server}`).toBe(own)
      }

      // The faults are marked on the lanes of the servers they hit, and the lock's answers next to them.
      expect(await lane(page, dropped!).locator('[data-testid="timeline-fault"][data-kind="drop-sockets"]').count()).toBe(1)
      expect(await lane(page, other!).locator('[data-testid="timeline-fault"][data-kind="restart"]').count()).toBe(1)
      expect(await timeline.locator('[data-testid="timeline-fault"]').count(), 'no fault on a lane it did not hit').toBe(2)
      expect(await lane(page, dropped!).locator('[data-testid="timeline-event"][data-kind="hold"]').count()).toBeGreaterThan(0)
      expect(await lane(page, other!).locator('[data-testid="timeline-event"][data-kind="task-end"]').count()).toBeGreaterThan(0)

      // "0 requests off their server": the page's count from the simulators' logs, and our own count agree.
      const offServer = timeline.getByTestId('timeline-off-server')
      await expect.poll(async () => Number(await offServer.getAttribute('data-checked') ?? 0), { timeout: 10_000 }).toBeGreaterThan(promptIds.length)
      expect(await offServer.getAttribute('data-count')).toBe('0')
      expect(await timeline.getByTestId('timeline-refused').getAttribute('data-count')).toBe('0')
      const logs = await devApi<SimLog[]>('/sim/requests')
      const off = logs.flatMap(log => log.requests.flatMap(r => r.promptIds.filter(id => tasks.has(id) && tasks.get(id)!.server !== log.url)))
      expect(off).toEqual([])

      await mkdir(join(ROOT, 'tests', 'browser', 'artifacts'), { recursive: true })
      await timeline.screenshot({ path: SCREENSHOT })
      expect(pageErrors).toEqual([])
    }
    finally {
      await context.close()
    }
  })
})
