import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { ComfyTetherError, ServerMismatchError } from '../../src/core/errors'
import { RequestFailedError } from '../../src/core/request-errors'
import { registerSecrets, SanitizedCause, safeValue } from '../../src/core/safe-error'

/** What an AxiosError carries: the request config with its headers and auth, the raw request, the response. */
function axiosLikeError(): Error {
  return Object.assign(new Error('Request failed with status code 500'), {
    isAxiosError: true,
    code: 'ERR_BAD_RESPONSE',
    config: { url: '/prompt', headers: { Authorization: 'Bearer tok-in-config-1' }, auth: { username: 'u', password: 'pw-in-config-2' } },
    request: { _header: 'GET /prompt HTTP/1.1\r\nAuthorization: Bearer tok-in-request-3\r\n' },
    response: { status: 500, config: { headers: { Authorization: 'Bearer tok-in-config-1' } }, headers: { 'set-cookie': 'sid=cookie-4' } },
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8188'), { code: 'ECONNREFUSED' }),
  })
}
const LEAKS = ['tok-in-config-1', 'pw-in-config-2', 'tok-in-request-3', 'cookie-4']

let forget: (() => void)[] = []
afterEach(() => {
  for (const f of forget) f()
  forget = []
})

describe('secrets stay out of errors', () => {
  it('keeps a foreign cause as its name, code, status and message only, with nested causes', () => {
    const error = new RequestFailedError('http://a:8188', 'POST /prompt', 500, 'boom', { cause: axiosLikeError() })
    expect(error.cause).toBeInstanceOf(SanitizedCause)
    expect(error.cause).toMatchObject({ name: 'Error', code: 'ERR_BAD_RESPONSE', status: 500, message: 'Request failed with status code 500' })
    expect((error.cause as Error).cause).toMatchObject({ code: 'ECONNREFUSED' })
    for (const text of [JSON.stringify(error), inspect(error, { depth: 20, showHidden: true }), String(error.stack)])
      for (const leak of LEAKS) expect(text).not.toContain(leak)
  })

  it('serialises every error with toJSON(): name, code, message, its own fields, the cause', () => {
    const error = new ServerMismatchError('http://a:8188', 'http://b:8188', 'GET /queue', 'p1')
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ServerMismatchError',
      code: 'SERVER_MISMATCH',
      message: error.message,
      lockedServer: 'http://a:8188',
      requestedServer: 'http://b:8188',
      operation: 'GET /queue',
      promptId: 'p1',
    })
    const wrapped = new ComfyTetherError('REQUEST_FAILED', 'outer', { cause: error })
    expect(wrapped.cause).toBe(error)
    expect(wrapped.toJSON().cause).toMatchObject({ code: 'SERVER_MISMATCH' })
  })

  it('redacts registered secrets and URL query values from messages, and forgets them when asked', () => {
    forget.push(registerSecrets(['registered-secret-5', 'c0']))
    const error = new ComfyTetherError('REQUEST_FAILED', 'the proxy said: invalid token registered-secret-5 for ws://h/ws?clientId=c0&token=q-secret-6 (c0)')
    expect(error.message).toBe('[comfy-tether] the proxy said: invalid token [redacted] for ws://h/ws?clientId=c0&token=[redacted] (c0)')
    forget.pop()?.()
    expect(new ComfyTetherError('REQUEST_FAILED', 'registered-secret-5').message).toContain('registered-secret-5')
    // A header value that happens to be the library's name does not break the prefix.
    forget.push(registerSecrets(['comfy-tether']))
    expect(new ComfyTetherError('REQUEST_FAILED', 'sent by comfy-tether').message).toBe('[comfy-tether] sent by [redacted]')
  })

  it('makes logger data safe: errors as safe JSON, strings redacted, cycles and depth bounded', () => {
    forget.push(registerSecrets(['logged-secret-7']))
    const data: Record<string, unknown> = { note: 'has logged-secret-7', error: axiosLikeError() }
    data.self = data
    const text = JSON.stringify(safeValue(data))
    expect(text).not.toContain('logged-secret-7')
    for (const leak of LEAKS) expect(text).not.toContain(leak)
    expect(text).toContain('ERR_BAD_RESPONSE')
  })
})
