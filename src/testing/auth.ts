import type { IncomingHttpHeaders } from 'node:http'
import { timingSafeEqual } from 'node:crypto'

/**
 * The simulator's opt-in auth mode, as an auth proxy in front of ComfyUI does it: every route and the socket
 * upgrade need the token, as `Authorization: Bearer <token>` or as a query parameter; anything else gets 401.
 * CORS preflights pass (browsers never send credentials with them).
 */
export interface SimulatorAuth {
  /** The one token accepted. */
  token: string
  /** The query parameter that may carry it, or `false` for headers only. @default 'token' */
  query?: string | false
  /** Accept `Authorization: Bearer <token>`. @default true */
  header?: boolean
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Does the request carry the token where `auth` accepts it? */
export function isAuthorized(auth: SimulatorAuth, headers: IncomingHttpHeaders, query: URLSearchParams): boolean {
  const authorization = headers.authorization
  if (auth.header !== false && typeof authorization === 'string' && authorization.startsWith('Bearer ') && same(authorization.slice(7), auth.token))
    return true
  const param = auth.query === undefined ? 'token' : auth.query
  const value = param === false ? null : query.get(param)
  return value !== null && same(value, auth.token)
}

/** Checks the options' `auth` (a non-empty token) and returns it. */
export function checkAuthOption(auth: SimulatorAuth | undefined): SimulatorAuth | undefined {
  if (auth !== undefined && (typeof auth !== 'object' || auth === null || typeof auth.token !== 'string' || auth.token === ''))
    throw new TypeError('[comfy-tether] createComfySimulator: auth must be { token: non-empty string, query?, header? }')
  return auth
}
