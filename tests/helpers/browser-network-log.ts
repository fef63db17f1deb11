// happy-dom copies what a browser's devtools show: every fetch/XHR answered with a non-2xx status is logged as
// `POST http://…/prompt 500 (Internal Server Error)`, and every refused or reset connection as Node's raw error with
// its stack. Tests that take servers down or inject faults cause these on purpose, and the code under test still gets
// the outcome (the response, or a rejected fetch), so the echo is dropped. Anything else happy-dom logs still shows.

/** The status line happy-dom logs for a response that is not ok. */
const STATUS_LINE = /^[A-Z]+ \S+ \d{3} \([^)]*\)\.?$/

/** Node's codes for a connection that failed or broke, as happy-dom's fetch logs them before rejecting. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'])

/** True for the two kinds of line happy-dom logs for a request that failed on the network or with a status. */
export function isBrowserNetworkLog(args: readonly unknown[]): boolean {
  if (args.length !== 1)
    return false
  const [only] = args
  if (typeof only === 'string')
    return STATUS_LINE.test(only)
  const code = only instanceof Error ? (only as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && NETWORK_CODES.has(code)
}

/** Makes `target.error` drop happy-dom's network lines and pass everything else through. Returns the undo. */
export function quietBrowserNetworkLog(target: Pick<Console, 'error'>): () => void {
  const original = target.error
  target.error = (...args: unknown[]) => {
    if (!isBrowserNetworkLog(args))
      original.apply(target, args)
  }
  return () => {
    target.error = original
  }
}
