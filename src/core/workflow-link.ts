// In its own module: the progress of every task needs it, the (lazily loaded) validation the rest of its neighbours.

/** Is `value` a link (`["nodeId", slot]`) rather than a literal? */
export function isLink(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && Number.isInteger(value[1])
}
