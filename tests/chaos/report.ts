// The printed form of a chaos report.
import type { ChaosReport } from './chaos-run'
import { FAULT_KINDS } from './schedule'

const ms = (n: number | null): string => (n === null ? '–' : `${Math.round(n)} ms`)

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map(w => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function formatReport(report: ChaosReport): string {
  const c = report.config
  const out: string[] = []
  out.push(`chaos run: seed ${report.seed}, plan ${report.fingerprint}; ${c.servers} simulators at speed ${c.speed}, ${c.clients} clients, ${report.tasks.submitted} tasks in ${(report.durationMs / 1000).toFixed(1)} s`)
  out.push('')
  out.push(table(
    ['fault', 'planned', 'fired', 'hit pending tasks', 'recovery p50', 'recovery p95'],
    [
      ...FAULT_KINDS.map((k) => {
        const f = report.faultsByKind[k]
        return [k, String(f.planned), String(f.fired), String(f.withPending), ms(f.recoveryP50), ms(f.recoveryP95)]
      }),
      ['all', String(FAULT_KINDS.reduce((n, k) => n + report.faultsByKind[k].planned, 0)), String(report.faults.length), String(report.faults.filter(f => f.affected.length > 0).length), ms(report.recovery.p50), ms(report.recovery.p95)],
    ],
  ))
  out.push('')
  out.push(table(['outcome', 'tasks'], Object.entries(report.outcomes).sort().map(([k, v]) => [k, String(v)])))
  if (Object.keys(report.lostByCause).length > 0)
    out.push(`lost by cause: ${Object.entries(report.lostByCause).map(([k, v]) => `${k}: ${v}`).join(', ')}`)
  out.push(`POST /prompt without an answer (looked up on the server first; resent only when absent from its queue and history): ${report.unansweredSubmits}; malformed frames counted and ignored: ${report.malformedFramesCounted}`)
  if (report.networkErrorsLogged > 0)
    out.push(`failed requests logged by happy-dom's fetch (counted, not printed): ${report.networkErrorsLogged}`)
  if (report.outcomeFaults.length > 0)
    out.push(`outcome faults fired: ${Object.entries(report.outcomeFaults.reduce<Record<string, number>>((n, f) => ({ ...n, [f.kind]: (n[f.kind] ?? 0) + 1 }), {})).map(([k, v]) => `${k} ${v}`).join(', ')}; tasks abandoned with a dead server: ${report.outcomeFaults.reduce((n, f) => n + f.abandoned, 0)}`)
  if (Object.keys(report.submitRefusals).length > 0)
    out.push(`submits refused and retried: ${Object.entries(report.submitRefusals).map(([k, v]) => `${k}: ${v}`).join(', ')}`)
  out.push('')
  out.push(table(['server', 'tasks', 'requests', 'restarts'], report.servers.map(s => [`${s.label} ${s.url}`, String(s.tasks), String(s.requests), String(s.restarts)])))
  out.push('')
  out.push(table(['invariant', 'value', 'ok'], report.invariants.map(i => [i.name, String(i.value), i.ok ? 'yes' : 'NO'])))
  if (report.violations.length > 0) {
    out.push('')
    out.push('violations (samples):')
    for (const v of report.violations) out.push(`  [${v.check}] ${v.detail}`)
  }
  const handles = Object.entries(report.leftovers.handles)
  if (handles.length > 0)
    out.push(`handles left after the simulators closed: ${handles.map(([k, v]) => `${k} ${v}`).join(', ')}`)
  out.push('')
  out.push(report.ok ? 'all invariants hold' : 'INVARIANTS VIOLATED')
  return out.join('\n')
}
