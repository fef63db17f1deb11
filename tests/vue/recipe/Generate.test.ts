// Generate.test.ts: run by vitest with the vitest.config.ts above
import type { ComfySimulator } from 'comfy-tether/testing'
import { enableAutoUnmount, mount } from '@vue/test-utils'
import { comfyPlugin } from 'comfy-tether'
import { startSimulators } from 'comfy-tether/testing'
import { createPinia } from 'pinia'
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'
import Generate from './Generate.vue'

// Nodes the simulator runs (see docs/simulator.md): an 8×8 image, saved.
const workflow = {
  1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0x336699 } },
  2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'test' } },
}

let sims: ComfySimulator[] = []
let urls: string[] = []
beforeAll(async () => {
  ({ sims, urls } = await startSimulators(2, { speed: 20 })) // two ComfyUI look-alikes on free ports
})
afterAll(() => Promise.all(sims.map(sim => sim.close())))
afterEach(() => Promise.all(sims.map(sim => sim.comeUp())))
enableAutoUnmount(afterEach)

function mountGenerate() {
  return mount(Generate, {
    props: { workflow },
    global: { plugins: [createPinia(), [comfyPlugin, { servers: urls, persist: false, logger: false }]] },
  })
}

it('shows the image, served by the server that ran the task', async () => {
  const wrapper = mountGenerate()
  await wrapper.find('button').trigger('click')
  await vi.waitUntil(() => wrapper.find('img').exists(), { timeout: 20_000 })
  const src = wrapper.find('img').attributes('src') ?? ''
  expect(urls.some(url => src.startsWith(`${url}/view?`))).toBe(true)
})

it('shows NO_SERVER_AVAILABLE when every server is down', async () => {
  await Promise.all(sims.map(sim => sim.goDown())) // a fault: connections are refused
  const wrapper = mountGenerate()
  await wrapper.find('button').trigger('click')
  await vi.waitUntil(() => wrapper.find('[role="alert"]').exists(), { timeout: 20_000 })
  expect(wrapper.find('[role="alert"]').text()).toBe('NO_SERVER_AVAILABLE')
  expect(wrapper.find('img').exists()).toBe(false)
})
