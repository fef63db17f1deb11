/** The result of a parser that never throws: the value, or why the input was refused. */
export type ParseResult<T> = { ok: true, value: T } | { ok: false, reason: string }
