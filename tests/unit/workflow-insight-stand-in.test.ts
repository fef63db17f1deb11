// Unit tier (issue #22): the workflow views (ETAs, queue positions, outputs) are code of the background chunk; until it
// is there the client answers through a stand-in. A task can follow its workflow only once whoever tracks it attached
// the real insight, so the stand-in must answer what the insight answers for a task without one, and hand over to it.
import type { WaitingPrompts } from '../../src/client/server-queue'
import { describe, expect, it, vi } from 'vitest'
import { lazyWorkflowInsight } from '../../src/client/load-workflow-insight'
import { TaskCache } from '../../src/client/task-cache'
import { createWorkflowInsight } from '../../src/client/workflow-insight'
import { createTask } from '../../src/core/task-state'
import { startWorkflowProgress, workflowKey } from '../../src/core/workflow-progress'

const prompt = { 1: { class_type: 'EmptyImage', inputs: {} } }

function setup() {
  const cache = new TaskCache({ retention: 10, resultOf: () => { throw new Error('not in this test') }, wasSent: () => true, onChange: () => {}, onListenerError: (error) => { throw error } })
  const queue = vi.fn(async (): Promise<WaitingPrompts> => ({ running: [], pending: ['p1'] }))
  const insight = lazyWorkflowInsight({ cache, queue, now: () => Date.now() })
  // Restored at mount: queued, no workflow followed (a reload keeps none).
  const task = cache.put({ ...createTask({ promptId: 'p1', server: 'http://a', clientId: 'c', now: Date.now() }), state: 'queued', outputs: {} })
  const track = (): void => task.dispatch({ type: 'track', prompt, filled: null, key: workflowKey(prompt), progress: startWorkflowProgress(['1']), format: 'api' })
  return { insight, task, queue, track }
}

describe('the workflow insight before its chunk is there', () => {
  it('has no view of a task restored at mount, as the insight itself, and shows the view once attached and tracked', () => {
    const { insight, task, track } = setup()
    expect(insight.view('p1')).toBeUndefined()
    expect(insight.filesOf(task)).toEqual([])
    insight.attach(createWorkflowInsight) // what the task runner and resume() do before they track a task
    expect(insight.view('p1')).toBeUndefined() // still no workflow followed
    track()
    expect(insight.view('p1')).toMatchObject({ progress: 0, nodesDone: 0, nodesTotal: 1, format: 'api', queuePosition: null })
  })

  it('keeps an insight attached after the client was disposed stopped: no queue read', () => {
    const { insight, queue, track } = setup()
    insight.dispose()
    insight.attach(createWorkflowInsight)
    track()
    expect(insight.view('p1')).toMatchObject({ nodesTotal: 1 }) // a read of a queued task's view asks the queue…
    expect(queue).not.toHaveBeenCalled() // …except after dispose()
  })
})
