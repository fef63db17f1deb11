// Shared helpers of the benchmarks: medians, clocks, result rows and the table.

/** How a ratio is judged against its target. */
export interface Target {
  /** `'<='`: lower is better (cost); `'>='`: higher is better (throughput). */
  op: '<=' | '>='
  value: number
  /** What is judged: the ratio (default) or the absolute `value` of the row, in `unit`. */
  of?: 'ratio' | 'value'
  unit?: string
}

/** One row of the table and of results.json. Every figure that is judged is a ratio against a baseline of the same run. */
export interface BenchResult {
  id: string
  name: string
  /** The library's figure, for people (e.g. `"412 µs/req"`). */
  measured: string
  /** The baseline's figure, for people. */
  baseline: string
  /** measured ÷ baseline (or the throughput ratio); `null` when the bench could not run. */
  ratio: number | null
  /** The absolute figure when the target is absolute (bundle size), in the target's unit. */
  value?: number
  target: Target | null
  verdict: 'pass' | 'FAIL' | 'info' | 'error'
  /** Numbers behind the row (medians, samples, sizes). */
  details: Record<string, unknown>
  notes?: string[]
}

export function median(values: readonly number[]): number {
  if (values.length === 0)
    return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Median absolute deviation relative to the median: a rough noise figure. */
export function relativeSpread(values: readonly number[]): number {
  const m = median(values)
  return median(values.map(v => Math.abs(v - m))) / m
}

export function now(): number {
  return performance.now()
}

export function verdictOf(judged: number | null | undefined, target: Target | null): BenchResult['verdict'] {
  if (judged === null || judged === undefined || Number.isNaN(judged))
    return 'error'
  if (!target)
    return 'info'
  return (target.op === '<=' ? judged <= target.value : judged >= target.value) ? 'pass' : 'FAIL'
}

export function targetText(target: Target | null): string {
  if (!target)
    return '—'
  return `${target.op === '<=' ? '≤' : '≥'} ${target.value}${target.unit ? ` ${target.unit}` : ''}`
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

export function fmt(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value)
}

/** The row of a bench that threw: the table still prints, with the reason. */
export function errorResult(id: string, name: string, error: unknown): BenchResult {
  const message = error instanceof Error ? error.message : String(error)
  return { id, name, measured: '—', baseline: '—', ratio: null, target: null, verdict: 'error', details: { error: message }, notes: [`did not run: ${message.split('\n')[0]}`] }
}

/** A Markdown table. */
export function table(rows: readonly BenchResult[]): string {
  const head = ['benchmark', 'measured', 'baseline', 'ratio', 'target', 'verdict']
  const body = rows.map(r => [
    r.name,
    r.measured,
    r.baseline,
    r.ratio === null ? '—' : fmt(r.ratio, r.ratio >= 100 ? 1 : 3),
    targetText(r.target),
    r.verdict,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map(row => row[i]!.length)))
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [line(head), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n')
}
