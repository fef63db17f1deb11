import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import TaskCard from '../../playground/components/TaskCard.vue'
import { comfyPlugin, defineWorkflow, useComfyStore } from '../../src/index'
import type { ComfySimulator } from '../../src/testing/index'
import { createComfySimulator } from '../../src/testing/index'
import { slowWorkflow } from '../helpers/workflows'
import { FAST } from '../helpers/fast'
import { waitFor } from '../helpers/wait'

const sims: ComfySimulator[] = []
const unmounts: (() => void)[] = []
afterEach(async () => {
  for (const u of unmounts.splice(0)) u()
  await Promise.all(sims.splice(0).map(s => s.close()))
})

/** The playground's task card for the task of one submit, over a real store and simulator. */
async function cardOfSubmit(submit: (store: ReturnType<typeof useComfyStore>) => Promise<{ promptId: string }>) {
  const sim = await createComfySimulator({ speed: 4 })
  sims.push(sim)
  const pinia = createPinia()
  const Host = { template: '<div />' }
  const host = mount(Host, { global: { plugins: [pinia, [comfyPlugin, { ...FAST, servers: [sim.url] }]] } })
  unmounts.push(() => host.unmount())
  const store = host.vm.$.appContext.app.runWithContext(() => useComfyStore())
  const { promptId } = await submit(store)
  const card = mount(TaskCard, { props: { task: store.tasks.get(promptId)! }, global: { plugins: [pinia] } })
  unmounts.push(() => card.unmount())
  const follow = async (): Promise<void> => {
    await card.setProps({ task: store.tasks.get(promptId)! })
    await nextTick()
  }
  return { store, card, promptId, follow }
}

describe('playground task card', () => {
  it('shows the whole workflow\'s progress and, once succeeded, a full bar instead of the last node\'s steps', async () => {
    const { store, card, promptId, follow } = await cardOfSubmit(s => s.submit(slowWorkflow(8, 1.6)))
    await waitFor(() => store.tasks.get(promptId)?.progress?.value === 2, 'step 2')
    await follow()
    const running = card.get('[data-testid="task-overall-progress"]')
    expect(Number(running.attributes('value'))).toBeGreaterThan(33) // node 1 done, node 2 a quarter through: (1 + 2/8) / 3
    expect(Number(running.attributes('value'))).toBeLessThan(67)
    expect(card.get('[data-testid="task-overall-label"]').text()).toMatch(/^Workflow \d+% · 1 of 3 nodes/)
    await waitFor(() => store.tasks.get(promptId)?.state === 'succeeded', 'success')
    await follow()
    expect(card.get('[data-testid="task-overall-progress"]').attributes('value')).toBe('100')
    expect(card.get('[data-testid="task-overall-label"]').text()).toBe('Done · 3 of 3 nodes')
    expect(card.text()).not.toMatch(/step \d+ of \d+/i)
    expect(card.find('[data-testid="task-progress"]').exists()).toBe(false)
  })

  it('shows the queue position of a waiting task', async () => {
    const { store, card, promptId, follow } = await cardOfSubmit(async (s) => {
      await s.submit(slowWorkflow(4, 1.2))
      return s.submit(defineWorkflow(slowWorkflow(4, 1.2, 0x222222), { params: { steps: '2.steps' } }), { steps: 3 })
    })
    await waitFor(() => store.taskWorkflow(promptId)?.queuePosition === 1, 'the queue position')
    await follow()
    expect(card.get('[data-testid="task-queue-position"]').text()).toBe('2nd in its server\'s queue (1 ahead)')
    expect(store.taskWorkflow(promptId)?.values).toEqual({ steps: 3 })
  })
})
