// Simulated work takes time (`timing`), on the simulator's clock: a `POST /prompt` that comes in while a prompt runs
// gets its `status` broadcast between that prompt's messages where the time falls, as on a real ComfyUI.
import type { ComfySimulator, ComfySimulatorOptions, ManualClock } from '../../src/testing/index'
import type { Client, Frame } from './helpers'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator, createManualClock } from '../../src/testing/index'
import { connect, postJson } from './helpers'

const sims: ComfySimulator[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function start(options: ComfySimulatorOptions): Promise<{ sim: ComfySimulator, clock: ManualClock, client: Client }> {
  const clock = createManualClock()
  const sim = await createComfySimulator({ clock, ...options })
  sims.push(sim)
  return { sim, clock, client: await connect(sim, 'c1') }
}

const workflow = (color: number): Record<string, unknown> => ({
  1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps: 2, seconds: 1, preview: false, progress_text: false } },
  3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'nt' } },
})

/** `status(n)`, `executing(node)`, `progress_state(node:state,…)`, or the type. */
function label(f: Frame): string {
  const data = f.data as { status?: { exec_info?: { queue_remaining?: number } }, node?: string | null, nodes?: Record<string, { state: string }> } | undefined
  if (f.type === 'status')
    return `status(${data?.status?.exec_info?.queue_remaining})`
  if (f.type === 'executing')
    return `executing(${data?.node})`
  if (f.type === 'progress_state')
    return `progress_state(${Object.entries(data?.nodes ?? {}).map(([id, n]) => `${id}:${n.state}`).join(',')})`
  return f.type
}

const isStatus = (n: number) => (f: Frame): boolean => label(f) === `status(${n})`

/** The frames from `executing(1)` to `executing(2)`, both included. */
async function aroundFirstNode(client: Client): Promise<string[]> {
  await client.waitFor(f => label(f) === 'executing(2)', 'node 2 to start')
  const labels = client.frames.map(label)
  return labels.slice(labels.indexOf('executing(1)'), labels.indexOf('executing(2)') + 1)
}

describe('simulator timing: node time and the step between nodes', () => {
  it('a POST /prompt that arrives while an EmptyImage runs gets its status broadcast before that node ends', async () => {
    const { sim, clock, client } = await start({ timing: { nodeMs: { EmptyImage: 1 } } })
    expect((await postJson(sim, '/prompt', { prompt: workflow(1), client_id: 'c1' })).status).toBe(200)
    await clock.advanceTo(0)
    await client.waitFor(f => label(f) === 'executing(1)', 'node 1 to start')
    await postJson(sim, '/prompt', { prompt: workflow(2) })
    await client.waitFor(isStatus(2), 'the second prompt\'s status')
    await clock.advanceBy(1)
    expect(await aroundFirstNode(client)).toEqual(['executing(1)', 'status(2)', 'progress_state(1:finished)', 'progress_state(1:finished,2:running)', 'executing(2)'])
  })

  it('with time between nodes, one that arrives after the first node ends gets it before the second node starts', async () => {
    const { sim, clock, client } = await start({ timing: { betweenNodesMs: 1 } })
    await postJson(sim, '/prompt', { prompt: workflow(1), client_id: 'c1' })
    await clock.advanceTo(0)
    await client.waitFor(f => label(f) === 'progress_state(1:finished)', 'node 1 to end')
    await postJson(sim, '/prompt', { prompt: workflow(2) })
    await client.waitFor(isStatus(2), 'the second prompt\'s status')
    await clock.advanceBy(1)
    expect(await aroundFirstNode(client)).toEqual(['executing(1)', 'progress_state(1:finished)', 'status(2)', 'progress_state(1:finished,2:running)', 'executing(2)'])
  })

  it('by default nodes take no time: a prompt runs to its first waiting node at once, so a POST lands after that', async () => {
    const { sim, clock, client } = await start({})
    await postJson(sim, '/prompt', { prompt: workflow(1), client_id: 'c1' })
    await clock.advanceTo(0)
    await client.waitFor(f => label(f) === 'executing(2)', 'node 2 to start')
    await postJson(sim, '/prompt', { prompt: workflow(2) })
    await client.waitFor(isStatus(2), 'the second prompt\'s status')
    const labels = client.frames.map(label)
    expect(labels.slice(labels.indexOf('executing(1)'))).toEqual(['executing(1)', 'progress_state(1:finished)', 'progress_state(1:finished,2:running)', 'executing(2)', 'status(2)'])
  })

  it('divides the times by speed, and a prompt starts startMs after it is queued', async () => {
    const { sim, clock, client } = await start({ speed: 10, timing: { nodeMs: { EmptyImage: 100 }, startMs: 50 } })
    await postJson(sim, '/prompt', { prompt: workflow(1), client_id: 'c1' })
    await clock.advanceTo(4.9)
    // A status broadcast now lands after whatever was sent before: here, nothing of the prompt yet.
    await postJson(sim, '/prompt', { prompt: workflow(2) })
    await client.waitFor(isStatus(2), 'the second prompt\'s status')
    expect(client.frames.map(label).slice(1)).toEqual(['status(1)', 'status(2)'])
    await clock.advanceTo(14.9) // started at 5, EmptyImage (10 ms at speed 10) still running
    await postJson(sim, '/prompt', { prompt: workflow(3) })
    await client.waitFor(isStatus(3), 'the third prompt\'s status')
    await clock.advanceTo(15)
    expect(await aroundFirstNode(client)).toEqual(['executing(1)', 'status(3)', 'progress_state(1:finished)', 'progress_state(1:finished,2:running)', 'executing(2)'])
  })

  it('a restart during a node cancels its timer: nothing of that prompt comes later', async () => {
    const { sim, clock, client } = await start({ timing: { nodeMs: { EmptyImage: 5 } } })
    await postJson(sim, '/prompt', { prompt: workflow(1), client_id: 'c1' })
    await clock.advanceTo(1)
    await client.waitFor(f => label(f) === 'executing(1)', 'node 1 to start')
    expect(clock.pending).toBe(1)
    await sim.restart()
    expect(clock.pending).toBe(0)
    await clock.advanceBy(1000)
    expect(sim.state).toMatchObject({ running: null, queueRemaining: 0 })
    expect((await postJson(sim, '/prompt', { prompt: workflow(4) })).json).toMatchObject({ number: 0 })
  })

  it.each([
    [{ nodeMs: { NoSuchNode: 1 } }, /timing\.nodeMs names "NoSuchNode", a node type the simulator does not know/],
    [{ nodeMs: { EmptyImage: -1 } }, /timing\.nodeMs\.EmptyImage must be a finite number of milliseconds >= 0, got -1/],
    [{ startMs: Number.POSITIVE_INFINITY }, /timing\.startMs must be a finite number/],
    [{ betweenNodesMs: Number.NaN }, /timing\.betweenNodesMs must be a finite number/],
  ])('refuses timing %o with a RangeError that says what is wrong', async (timing, message) => {
    await expect(createComfySimulator({ timing })).rejects.toThrow(message)
    await expect(createComfySimulator({ timing })).rejects.toBeInstanceOf(RangeError)
  })
})

describe('createManualClock', () => {
  it('fires timers in time order (ties in the order they were set) only when advanced, and cancels them', async () => {
    const clock = createManualClock()
    const fired: string[] = []
    clock.setTimer(() => fired.push('b@2'), 2)
    clock.setTimer(() => fired.push('a@1'), 1)
    clock.defer(() => fired.push('now'))
    clock.setTimer(() => fired.push('c@2'), 2)
    const cancel = clock.setTimer(() => fired.push('cancelled'), 1.5)
    cancel()
    expect(fired).toEqual([])
    await clock.advanceTo(1)
    expect(fired).toEqual(['now', 'a@1'])
    expect(clock.now).toBe(1)
    expect(clock.nextAt).toBe(2)
    await clock.advanceBy(5)
    expect(fired).toEqual(['now', 'a@1', 'b@2', 'c@2'])
    expect(clock.now).toBe(6)
    expect(await clock.step()).toBe(false)
  })

  it('advanceTo(Infinity) runs until no timer is left and leaves the time at the last one', async () => {
    const clock = createManualClock()
    let left = 3
    const again = (): void => {
      if (--left > 0)
        clock.setTimer(again, 10)
    }
    clock.setTimer(again, 10)
    await clock.advanceTo(Number.POSITIVE_INFINITY)
    expect({ left, now: clock.now, pending: clock.pending }).toEqual({ left: 0, now: 30, pending: 0 })
    await expect(clock.advanceTo(Number.NaN)).rejects.toThrow(RangeError)
  })
})
