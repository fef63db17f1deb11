// The smoothed run time of a task per server, which task affinity's tail rule (placement.ts) reads. Apart from the
// rule: the client keeps it up to date from the first task end on, while the rule loads with placement's choice.

/** An exponentially weighted average of service times: recent tasks count most, one outlier does not dominate. */
export function smoothServiceTime(previous: number | undefined, sampleMs: number, weight = 0.3): number {
  return previous === undefined ? sampleMs : previous + weight * (sampleMs - previous)
}
