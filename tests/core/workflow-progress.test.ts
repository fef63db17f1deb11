import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ComfyMessage } from '../../src/core/protocol'
import { parseMessage } from '../../src/core/protocol'
import { advanceWorkflowProgress, estimateRemaining, nodesToRun, recordRunTime, runTimesOf, startWorkflowProgress, workflowKey } from '../../src/core/workflow-progress'
import type { WorkflowProgress } from '../../src/core/workflow-progress'
import { realObjectInfo, sd15Workflow } from '../helpers/object-info'

interface TranscriptEvent { ws?: string, frame?: { kind: string, json?: unknown } }

/** The text messages client "A" received in a recorded transcript, parsed as the client parses them. */
function messagesOf(folder: string, file: string): ComfyMessage[] {
  const { events } = JSON.parse(readFileSync(new URL(`../fixtures/comfyui/${folder}/${file}`, import.meta.url), 'utf8')) as { events: TranscriptEvent[] }
  return events.filter(e => e.ws === 'A' && e.frame?.kind === 'text').map((e) => {
    const parsed = parseMessage(JSON.stringify(e.frame!.json))
    if (!parsed.ok)
      throw new Error(parsed.reason)
    return parsed.value
  })
}

function replay(messages: ComfyMessage[], nodes = ['1', '2', '3', '4']): WorkflowProgress[] {
  const seen: WorkflowProgress[] = []
  let p = startWorkflowProgress(nodes)
  for (const m of messages) {
    p = advanceWorkflowProgress(p, m)
    seen.push(p)
  }
  return seen
}

const fractions = (ps: WorkflowProgress[]): number[] => ps.map(p => p.fraction)

describe('overall progress over recorded runs', () => {
  it.each([
    ['v0.33.0-783545f-cpu', 'with progress_state'],
    ['v0.3.44-c5de495-cpu', 'from executing/progress only'],
  ])('%s (%s): rises monotonically through the steps of the slow node and ends at 1', (folder) => {
    const messages = messagesOf(folder, '04_prompt_run_legacy_client.json')
    const seen = fractions(replay(messages))
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!)
    expect(seen.at(-1)).toBe(1)
    // Node 3 (TestSlowProgress, 4 steps) at step 2 of 4, nodes 1 and 2 done: (2 + 0.5) / 4.
    const atStep2 = messages.findIndex(m => m.type === 'progress' && m.data.value === 2)
    expect(seen[atStep2]).toBeCloseTo(2.5 / 4)
    // The bar is not full while the output node runs.
    const saving = messages.findIndex(m => m.type === 'executing' && m.data.node === '4')
    expect(seen[saving]).toBe(0.75)
  })

  it('counts cached nodes as done (a fully cached re-run)', () => {
    const messages = messagesOf('v0.33.0-783545f-cpu', '05_prompt_cached_rerun.json')
    const cachedAt = messages.findIndex(m => m.type === 'execution_cached')
    const seen = replay(messages)
    expect(seen[cachedAt]!.fraction).toBe(1)
    expect(seen[cachedAt]!.done).toEqual(['1', '2', '3', '4'])
  })

  it('never goes back when a later message reports less (a stale progress after a reconnect)', () => {
    let p = startWorkflowProgress(['1', '2'])
    p = advanceWorkflowProgress(p, { type: 'progress', data: { value: 8, max: 10, node: '1', prompt_id: 'p' } })
    p = advanceWorkflowProgress(p, { type: 'progress', data: { value: 1, max: 10, node: '1', prompt_id: 'p' } })
    expect(p.fraction).toBe(0.4)
  })

  it('grows the node count for nodes the server adds (expanded nodes) instead of passing 100%', () => {
    let p = startWorkflowProgress(['1'])
    p = advanceWorkflowProgress(p, { type: 'execution_cached', data: { nodes: ['1', '1.0.1'], prompt_id: 'p' } })
    expect(p.nodes).toEqual(['1', '1.0.1'])
    expect(p.fraction).toBe(1)
  })
})

describe('nodesToRun', () => {
  it('counts only nodes that lead to an output node', () => {
    const wf = sd15Workflow()
    wf['20'] = { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } }
    expect(nodesToRun(wf, realObjectInfo())).toEqual(['3', '4', '5', '6', '7', '8', '9'])
    expect(nodesToRun(wf)).toHaveLength(8)
  })
})

describe('ETA', () => {
  it('uses the median of the recent runs of the same workflow on the same server', () => {
    const key = workflowKey(sd15Workflow())
    let times = {}
    for (const ms of [10_000, 12_000, 30_000])
      times = recordRunTime(times, 'http://a', key, ms)
    expect(runTimesOf(times, 'http://a', key)).toEqual([10_000, 12_000, 30_000])
    expect(runTimesOf(times, 'http://b', key)).toEqual([])
    expect(estimateRemaining(runTimesOf(times, 'http://a', key), 4_000, 0.3)).toBe(8_000)
  })

  it('keeps the last five runs', () => {
    let times = {}
    for (let i = 1; i <= 7; i++)
      times = recordRunTime(times, 's', 'k', i)
    expect(runTimesOf(times, 's', 'k')).toEqual([3, 4, 5, 6, 7])
  })

  it('extrapolates from progress without history or once past the usual time, and says null when it cannot know', () => {
    expect(estimateRemaining([], 3_000, 0.25)).toBe(9_000)
    expect(estimateRemaining([2_000], 3_000, 0.75)).toBe(1_000)
    expect(estimateRemaining([], 100, 0.01)).toBeNull()
    expect(estimateRemaining([5_000], 100, 1)).toBe(0)
  })

  it('gives the same key to runs that differ only in values, and another to a different graph', () => {
    const a = sd15Workflow()
    const b = sd15Workflow()
    b['6']!.inputs.text = 'other prompt'
    b['3']!.inputs.seed = 1
    expect(workflowKey(a)).toBe(workflowKey(b))
    b['9']!.inputs.images = ['3', 0]
    expect(workflowKey(a)).not.toBe(workflowKey(b))
  })
})
