// The checks of one submit (capability, validation) run once per distinct node info, not once per server: counted
// through the module boundary of the core validation every check goes through.
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as validation from '../../src/core/validate-workflow'
import { createComfySimulator } from 'comfy-tether/testing'
import { disposeAll, nodeClient } from '../helpers/node-client'
import { emptyImageWorkflow } from '../helpers/workflows'

vi.mock('../../src/core/validate-workflow', async (importOriginal) => {
  const original = await importOriginal<typeof validation>()
  return { ...original, judgeWorkflow: vi.fn(original.judgeWorkflow) }
})

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  disposeAll()
  await Promise.all(closers.splice(0).map(close => close()))
})

async function validationRunsOfOneSubmit(servers: number, affinity: 'task' | 'session'): Promise<number> {
  const sims = await Promise.all(Array.from({ length: servers }, () => createComfySimulator({ speed: 8 })))
  closers.push(...sims.map(s => () => s.close()))
  const client = nodeClient({ servers: sims.map(s => s.url), affinity })
  const runs = vi.mocked(validation.judgeWorkflow)
  runs.mockClear()
  await (await client.submit(emptyImageWorkflow(1))).result
  return runs.mock.calls.length
}

describe('the checks of a submit', () => {
  it.each(['task', 'session'] as const)('validate as often with 8 servers as with 1 (%s affinity)', async (affinity) => {
    const one = await validationRunsOfOneSubmit(1, affinity)
    const eight = await validationRunsOfOneSubmit(8, affinity)
    expect(one).toBe(1)
    expect(eight).toBe(one)
  })
})
