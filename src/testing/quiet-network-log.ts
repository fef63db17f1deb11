// happy-dom copies what a browser's devtools show: every fetch/XHR answered with a non-2xx status is logged as
// `POST http://…/prompt 500 (Internal Server Error)`, every refused or reset connection as Node's raw error with
// its stack, and every response a CORS check refuses as a `Cross-Origin Request Blocked: …` warning. Vitest hands happy-dom the process's own console (not the per-test console it captures), so in a test
// that takes a simulator down on purpose these lines print raw, without the test's name, in a passing run. The code
// under test still gets the outcome (the response, or a rejected fetch), so the echo can go. Anything else happy-dom
// logs still shows.
import nodeConsole from 'node:console'

/** The status line happy-dom logs for a response that is not ok. */
const STATUS_LINE = /^[A-Z]+ \S+ \d{3} \([^)]*\)\.?$/

/** The warning happy-dom logs for a response refused by the CORS check, before the fetch rejects with the same text. */
const CORS_LINE = /^Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "[^"]*"\.$/

/** Node's codes for a connection that failed or broke, as happy-dom's fetch logs them before rejecting. */
const NETWORK_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'])

/**
 * True for the lines happy-dom logs for a request that failed: a status line, a network error, a CORS refusal.
 * @param args - the arguments of one `console.error` or `console.warn` call
 */
export function isHappyDomNetworkLog(args: readonly unknown[]): boolean {
  if (args.length !== 1)
    return false
  const [only] = args
  if (typeof only === 'string')
    return STATUS_LINE.test(only) || CORS_LINE.test(only)
  const code = only instanceof Error ? (only as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && NETWORK_CODES.has(code)
}

/**
 * Drops happy-dom's echo of failed requests (`GET http://… 500 (…)` lines, raw `ECONNREFUSED`/`ECONNRESET` errors,
 * `Cross-Origin Request Blocked` warnings) from the console it writes to, and lets every other line through. Call it in a Vitest setup file of a
 * `happy-dom` project, or list `comfy-tether/testing/vitest-setup` in `setupFiles`, which does just that.
 * @param target - the console to filter; the process's own console (`node:console`) by default, the one Vitest
 * gives happy-dom
 * @returns the undo: puts `target.error` and `target.warn` back
 * @example
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { environment: 'happy-dom', setupFiles: ['comfy-tether/testing/vitest-setup'] } })
 * ```
 */
export function quietHappyDomNetworkLog(target: Pick<Console, 'error' | 'warn'> = nodeConsole): () => void {
  const { error, warn } = target
  target.error = (...args: unknown[]) => {
    if (!isHappyDomNetworkLog(args))
      error.apply(target, args)
  }
  target.warn = (...args: unknown[]) => {
    if (!isHappyDomNetworkLog(args))
      warn.apply(target, args)
  }
  return () => {
    target.error = error
    target.warn = warn
  }
}
