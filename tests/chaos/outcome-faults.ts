// The faults of issue #12 ("every task ends right"), for the chaos run: a black-holed server, a dead locked server
// that the app abandons, lost and cut `executed` frames, a refused socket upgrade, and cancels at random moments.
// Seeded like the main schedule (schedule.ts), from a stream of their own, and fired by progress (tasks submitted).
// chaos-run.ts calls the hooks: fireDue, workflow, onHandle, finish, explain, check.
import type { ComfyTaskHandle, ComfyWorkflow, useComfyStore } from '../../src/index'
import type { ComfySimulator } from '../../src/testing/index'
import type { Invariant, TaskRecord, Violation } from './invariants'
import { createRng } from './schedule'
import { sleep } from '../helpers/wait'

type Store = ReturnType<typeof useComfyStore>

/** The fault kinds of this module. */
export type OutcomeFaultKind = 'black-hole' | 'dead-locked' | 'lose-executed' | 'refuse-upgrade'

export const OUTCOME_FAULT_KINDS: readonly OutcomeFaultKind[] = ['black-hole', 'dead-locked', 'lose-executed', 'refuse-upgrade']

/** How many faults of each kind, and the share of tasks cancelled at a random moment. */
export interface OutcomeFaultConfig {
  faults: Record<OutcomeFaultKind, number>
  cancelShare: number
}

export const OUTCOME_FULL: OutcomeFaultConfig = { faults: { 'black-hole': 4, 'dead-locked': 3, 'lose-executed': 8, 'refuse-upgrade': 4 }, cancelShare: 0.03 }
export const OUTCOME_SMALL: OutcomeFaultConfig = { faults: { 'black-hole': 1, 'dead-locked': 1, 'lose-executed': 2, 'refuse-upgrade': 1 }, cancelShare: 0.08 }

interface PlannedOutcomeFault {
  kind: OutcomeFaultKind
  sim: number
  afterSubmitted: number
  durationMs: number
  /** lose-executed: how many frames, and cut rather than dropped. */
  frames: number
  truncate: boolean
}

/** What happened, for the report. */
export interface OutcomeFaultRecord extends PlannedOutcomeFault {
  server: string
  startedAt: number
  endedAt: number
  /** dead-locked: the tasks abandoned, per client. */
  abandoned: number
}

export interface OutcomeFaultsContext {
  seed: number
  tasks: number
  config: OutcomeFaultConfig
  sims: readonly ComfySimulator[]
  stores: () => Store[]
  progress: (line: string) => void
}


function plan(ctx: OutcomeFaultsContext): PlannedOutcomeFault[] {
  const rng = createRng((ctx.seed * 40503) ^ 0x0C0FFEE)
  const between = (min: number, max: number): number => min + Math.floor(rng() * (max - min + 1))
  const kinds = OUTCOME_FAULT_KINDS.flatMap(kind => Array.from({ length: ctx.config.faults[kind] }, () => kind))
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!]
  }
  const first = Math.max(1, Math.floor(ctx.tasks * 0.08))
  const span = Math.max(1, Math.floor(ctx.tasks * 0.85) - first)
  return kinds.map((kind, i) => ({
    kind,
    sim: Math.floor(rng() * ctx.sims.length),
    afterSubmitted: first + Math.floor((span / kinds.length) * (i + rng())),
    durationMs: kind === 'black-hole' ? between(200, 800) : kind === 'dead-locked' ? between(600, 1500) : kind === 'refuse-upgrade' ? between(300, 1500) : 0,
    frames: between(1, 3),
    truncate: rng() < 0.5,
  }))
}

/** The hooks a chaos run calls. */
export function createOutcomeFaults(ctx: OutcomeFaultsContext): {
  fireDue: (submitted: number) => void
  workflow: (workflow: ComfyWorkflow, taskIndex: number, slow: boolean) => ComfyWorkflow
  onHandle: (store: Store, handle: ComfyTaskHandle) => void
  finish: () => Promise<void>
  explain: (record: TaskRecord) => string | null
  check: (records: readonly TaskRecord[]) => Promise<{ invariants: Invariant[], violations: Violation[] }>
  records: OutcomeFaultRecord[]
} {
  const planned = plan(ctx)
  const cancelRng = createRng((ctx.seed * 69069) ^ 0xCA5CE1)
  const records: OutcomeFaultRecord[] = []
  const running: Promise<void>[] = []
  const cancels = new Map<string, { at: number, error: string | null }>()
  let next = 0

  async function run(fault: PlannedOutcomeFault): Promise<void> {
    const sim = ctx.sims[fault.sim]!
    const record: OutcomeFaultRecord = { ...fault, server: sim.url, startedAt: Date.now(), endedAt: 0, abandoned: 0 }
    switch (fault.kind) {
      case 'black-hole':
        sim.setBlackHole(true)
        await sleep(fault.durationMs)
        sim.setBlackHole(false)
        break
      case 'refuse-upgrade':
        // Refused from now on, and the open sockets cut: they come back only after the refusal ends.
        sim.refuseUpgrade(403)
        sim.dropSockets()
        await sleep(fault.durationMs)
        sim.refuseUpgrade(null)
        break
      case 'lose-executed':
        sim.loseFrames('executed', fault.frames, fault.truncate ? 'truncate' : 'drop')
        break
      case 'dead-locked': {
        await sim.goDown()
        // Each app that notices its locked server is down gives it up.
        const deadline = Date.now() + fault.durationMs
        while (Date.now() < deadline) {
          for (const store of ctx.stores()) {
            if (store.locks.some(l => l.server === sim.url) && store.unreachableSince !== null) {
              record.abandoned += [...store.tasks.values()].filter(t => t.server === sim.url && !['succeeded', 'failed', 'interrupted', 'cancelled', 'lost'].includes(t.state)).length
              store.abandon(sim.url)
            }
          }
          await sleep(50)
        }
        await sim.comeUp()
        break
      }
    }
    record.endedAt = Date.now()
    records.push(record)
  }

  return {
    records,
    fireDue(submitted) {
      while (next < planned.length && planned[next]!.afterSubmitted <= submitted) {
        const fault = planned[next++]!
        running.push(run(fault).catch((error: unknown) => ctx.progress(`outcome fault ${fault.kind} failed to run: ${String(error)}`)))
      }
    },
    workflow(workflow, taskIndex, slow) {
      // Slow tasks get a second output node: a success must carry both although an `executed` frame may be lost.
      if (!slow)
        return workflow
      return { ...workflow, 4: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: `chaos-second-${taskIndex}` } } }
    },
    onHandle(store, handle) {
      if (cancelRng() >= ctx.config.cancelShare)
        return
      // Anywhere from before the upload to well into the run.
      const delay = Math.floor(cancelRng() * 400)
      const entry = { at: 0, error: null as string | null }
      cancels.set(handle.promptId, entry)
      running.push(sleep(delay).then(async () => {
        entry.at = Date.now()
        try {
          await store.cancel(handle.promptId)
        }
        catch (error) {
          entry.error = (error as { code?: string }).code ?? String(error)
        }
      }))
    },
    async finish() {
      await Promise.all(running)
    },
    explain(record) {
      const o = record.outcome
      if (!o)
        return null
      if (o.state === 'cancelled' && cancels.has(record.promptId))
        return 'cancelled on request'
      if (o.state === 'lost' && o.reason === 'abandoned' && records.some(f => f.kind === 'dead-locked' && f.server === record.server && f.startedAt <= o.at && f.endedAt >= o.at))
        return 'abandoned with its dead server'
      return null
    },
    async check(taskRecords) {
      const violations: Violation[] = []
      let cancelWrong = 0
      let partial = 0
      for (const r of taskRecords) {
        const cancel = cancels.get(r.promptId)
        // A cancel ends the task cancelled, or is carried out on the server and finds it already done, or says why it
        // could not (a rejected cancel()). A task that ran to success with no cancel request reaching its server (no
        // POST /api/jobs/{id}/cancel, no POST /queue delete, no /interrupt) after cancel() resolved: the cancel was dropped.
        if (cancel && cancel.error === null && r.outcome?.state === 'succeeded' && r.outcome.at > cancel.at) {
          const carried = ctx.sims.find(s => s.url === r.server)?.requestsFor(r.promptId).some(e => e.method === 'POST' && /\/(?:queue|interrupt|cancel)$/.test(e.path))
          if (!carried) {
            cancelWrong++
            violations.push({ check: 'cancel dropped', detail: `task ${r.promptId} was cancelled at ${cancel.at} (cancel() resolved) but ran to success at ${r.outcome.at} without a cancel request on ${r.server}` })
          }
        }
        if (r.workflow !== 'slow' || r.outcome?.state !== 'succeeded')
          continue
        const sim = ctx.sims.find(s => s.url === r.server)
        const history = sim ? await (await fetch(`${sim.url}/history/${r.promptId}`)).json() as Record<string, { outputs?: object }> : {}
        const outputs = history[r.promptId]?.outputs
        // A restart forgets the history: nothing to compare with then.
        if (outputs && Object.keys(outputs).sort().join() !== [...r.outcome.outputNodes].sort().join()) {
          partial++
          if (violations.length < 20)
            violations.push({ check: 'partial outputs', detail: `task ${r.promptId} succeeded with outputs [${r.outcome.outputNodes.join(', ')}]; /history lists [${Object.keys(outputs).join(', ')}]` })
        }
      }
      return {
        invariants: [
          { name: 'succeeded tasks whose outputs differ from /history', value: partial, ok: partial === 0 },
          { name: 'cancels neither carried out nor refused', value: cancelWrong, ok: cancelWrong === 0 },
        ],
        violations,
      }
    },
  }
}
