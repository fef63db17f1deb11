// Component-level tests: a small app component (components/TaskRunner.vue) that calls useComfyStore(), mounted with
// @vue/test-utils against simulators on loopback; the assertions are on what it renders.
import type { ComfySimulator } from '../../src/testing/index'
import { enableAutoUnmount } from '@vue/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import { startSimulators } from '../../src/testing/index'
import { mountWithComfy } from '../helpers/mount-comfy'
import { emptyImageWorkflow, failingWorkflow, slowWorkflow } from '../helpers/workflows'
import TaskRunner from './components/TaskRunner.vue'
import { waitFor } from '../helpers/wait'

enableAutoUnmount(afterEach)

let sims: ComfySimulator[] = []
let urls: string[] = []
let close: () => Promise<void> = async () => {}
beforeAll(async () => {
  ({ sims, urls, close } = await startSimulators(2, { speed: 10 }))
})
afterAll(() => close())

const text = (wrapper: { find: (s: string) => { exists: () => boolean, text: () => string } }, selector: string): string | undefined => {
  const found = wrapper.find(selector)
  return found.exists() ? found.text() : undefined
}

describe('a component using useComfyStore(), mounted against simulators', () => {
  it('renders the lock, the running task\'s progress, then an image URL on the task\'s own server', async () => {
    const { wrapper, store } = mountWithComfy(TaskRunner, { servers: urls }, { props: { workflow: slowWorkflow(4, 20) } })
    expect(text(wrapper, '[data-test="state"]')).toBe('idle')
    expect(text(wrapper, '[data-test="lock"]')).toBe('no lock')

    await wrapper.find('button').trigger('click')
    const progress = await waitFor(() => text(wrapper, '[data-test="progress"]'), 'progress to render')
    expect(progress).toMatch(/^\d\/4$/)
    expect(text(wrapper, '[data-test="state"]')).toBe('running')
    const server = store.taskList[0]!.server
    expect(urls).toContain(server)
    expect(text(wrapper, '[data-test="lock"]')).toBe(`locked to ${server}`)

    const src = await waitFor(() => wrapper.find('img').exists() && wrapper.find('img').attributes('src'), 'the output image')
    expect(text(wrapper, '[data-test="state"]')).toBe('succeeded')
    expect(src.startsWith(`${server}/view?`)).toBe(true)
    const image = await fetch(src)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('renders the node\'s error when a node raises', async () => {
    const { wrapper } = mountWithComfy(TaskRunner, { servers: urls }, { props: { workflow: failingWorkflow('out of paint') } })
    await wrapper.find('button').trigger('click')
    const alert = await waitFor(() => text(wrapper, '[role="alert"]'), 'the error')
    expect(alert).toBe('EXECUTION_FAILED: TestFail raised out of paint')
    expect(text(wrapper, '[data-test="state"]')).toBe('failed')
    expect(wrapper.find('img').exists()).toBe(false)
  })

  it('renders TASK_LOST after an injected fault: its server restarts mid-run and forgets the task', async () => {
    const { wrapper, store } = mountWithComfy(TaskRunner, { servers: urls }, { props: { workflow: slowWorkflow(10, 30) } })
    await wrapper.find('button').trigger('click')
    await waitFor(() => text(wrapper, '[data-test="state"]') === 'running', 'the task to run')
    const sim = sims.find(s => s.url === store.taskList[0]!.server)!
    await sim.restart()
    const alert = await waitFor(() => text(wrapper, '[role="alert"]'), 'the error')
    expect(alert).toMatch(/^TASK_LOST: \[comfy-tether\] Task .* was lost on ".*": the server restarted/)
    expect(text(wrapper, '[data-test="state"]')).toBe('lost')
    expect(wrapper.find('img').exists()).toBe(false)
  })

  it('sends a workflow held in reactive state (a Proxy), as one passed down as a prop is', async () => {
    const { store } = mountWithComfy(TaskRunner, { servers: urls }, { props: { workflow: emptyImageWorkflow() } })
    const handle = await store.submit(reactive(emptyImageWorkflow(0x112233)))
    expect((await handle.result).imageUrls).toHaveLength(1)
  })
})
