// The chaos run in small (tests/chaos/chaos-run.ts, CHAOS_SMALL): the same engine as `npm run chaos`, 60 tasks from
// three clients on three simulators with a few faults of every kind. It asserts the invariants, never timings.
import { describe, expect, it } from 'vitest'
import { CHAOS_SMALL, runChaos } from './chaos-run'
import { formatReport } from './report'
import { buildPlan } from './schedule'

const SEED = Number(process.env.CHAOS_SEED ?? 20_240_601)

describe('chaos plan', () => {
  it('gives the same fault schedule and workload for the same seed, and another for another seed', () => {
    const a = buildPlan({ ...CHAOS_SMALL, seed: 7 })
    const b = buildPlan({ ...CHAOS_SMALL, seed: 7 })
    const c = buildPlan({ ...CHAOS_SMALL, seed: 8 })
    expect(b).toEqual(a)
    expect(b.fingerprint).toBe(a.fingerprint)
    expect(c.fingerprint).not.toBe(a.fingerprint)
    expect(a.clients.flat().flatMap(burst => burst.tasks).map(t => t.index).sort((x, y) => x - y)).toEqual(Array.from({ length: CHAOS_SMALL.tasks }, (_, i) => i))
    for (const f of a.faults) {
      expect(f.afterSubmitted).toBeGreaterThan(0)
      expect(f.afterSubmitted).toBeLessThanOrEqual(CHAOS_SMALL.tasks)
      expect(f.sim).toBeLessThan(CHAOS_SMALL.servers)
    }
    // Outages stay shorter than maxOutage, so that no task may be lost to them.
    expect(Math.max(...a.faults.filter(f => f.kind === 'outage').map(f => f.durationMs))).toBeLessThan(CHAOS_SMALL.store.maxOutage!)
  })
})

describe('chaos run', () => {
  it('keeps every task on its server through drops, silences, outages, restarts and lost answers', async () => {
    const report = await runChaos({ ...CHAOS_SMALL, seed: SEED })
    const table = formatReport(report)
    // The invariants, by name, so a failure says which one broke and the samples say where.
    const broken = report.invariants.filter(i => !i.ok)
    expect(broken, `${table}\n`).toEqual([])
    expect(report.tasks.submitted).toBe(CHAOS_SMALL.tasks)
    expect(report.tasks.settled).toBe(CHAOS_SMALL.tasks)
    expect(report.faults.length).toBe(Object.values(CHAOS_SMALL.faults).reduce((a, b) => a + b, 0))
    // Every task is succeeded, lost or cancelled on request (lost only with a cause checked by the invariants above).
    expect(Object.keys(report.outcomes).filter(state => state !== 'succeeded' && state !== 'lost' && state !== 'cancelled')).toEqual([])
    expect(report.outcomes.succeeded).toBeGreaterThan(0)
    expect(report.leftovers).toMatchObject({ simClients: 0, openClientSockets: 0, timers: 0 })
  }, 60_000)
})
