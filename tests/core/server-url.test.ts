import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { isUrlOnServer, normalizeServerUrl, redactUrl, resolveTarget, serverOfUrl, serverViewUrl, serverWsUrl } from '../../src/core/server-url'

describe('normalizeServerUrl', () => {
  it.each([
    ['http://127.0.0.1:8188', 'http://127.0.0.1:8188'],
    ['http://127.0.0.1:8188/', 'http://127.0.0.1:8188'],
    ['HTTP://LocalHost:8188//', 'http://localhost:8188'],
    ['https://gpu.example/comfy/', 'https://gpu.example/comfy'],
    ['  http://a:80  ', 'http://a'],
  ])('makes %s the canonical %s', (input, expected) => {
    expect(normalizeServerUrl(input)).toBe(expected)
  })

  it.each([
    ['', 'non-empty'],
    ['localhost:8188', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['ws://a:8188', 'scheme'],
    ['http://user:pass@a:8188', 'credentials'],
    ['http://a:8188/?x=1', 'query'],
    ['not a url', 'not an absolute URL'],
  ])('rejects %j with INVALID_SERVER_URL mentioning %s', (input, words) => {
    let thrown: unknown
    try {
      normalizeServerUrl(input)
    }
    catch (error) {
      thrown = error
    }
    expect(isComfyTetherError(thrown, 'INVALID_SERVER_URL')).toBe(true)
    expect((thrown as Error).message).toContain(words)
  })

  it('rejects non-strings', () => {
    expect(() => normalizeServerUrl(42)).toThrow(/non-empty string/)
  })
})

describe('derived URLs', () => {
  it('builds the socket URL with the clientId, keeping a path prefix and TLS', () => {
    expect(serverWsUrl('http://a:8188', 'abc')).toBe('ws://a:8188/ws?clientId=abc')
    expect(serverWsUrl('https://h/comfy', 'abc')).toBe('wss://h/comfy/ws?clientId=abc')
  })

  it('builds /view URLs with encoded parameters', () => {
    expect(serverViewUrl('http://a:8188', { filename: 'a b&.png', subfolder: '', type: 'output' }))
      .toBe('http://a:8188/view?filename=a+b%26.png&subfolder=&type=output')
  })

  it('tells which configured server a URL is on, by origin and path prefix', () => {
    const servers = ['http://a:8188', 'https://h/comfy', 'https://h/comfy2']
    expect(serverOfUrl('http://a:8188/prompt', servers)).toBe('http://a:8188')
    expect(serverOfUrl('https://h/comfy/history/x', servers)).toBe('https://h/comfy')
    expect(serverOfUrl('https://h/comfy2/queue', servers)).toBe('https://h/comfy2')
    expect(serverOfUrl('http://a:8189/prompt', servers)).toBeUndefined()
    expect(serverOfUrl('garbage', servers)).toBeUndefined()
    expect(isUrlOnServer('https://h/comfyX/prompt', 'https://h/comfy')).toBe(false)
  })
})

// The URL model: a target belongs to a server only when, resolved as the adapter resolves it (WHATWG URL), its origin is
// the server's and its path is under the server's base path on a segment boundary. What a proxy that decodes encoded
// separators before routing would send elsewhere does not belong either.
describe('the URL model: which server owns a target', () => {
  const A = 'http://h/a'
  const B = 'http://h/b'
  const C = 'http://other:8188'
  const V6 = 'http://[::1]:8188'
  const TLS = 'https://s.example'
  const servers = [A, B, C, V6, TLS]

  it.each<[string, string, string | undefined]>([
    ['a path under the base', 'http://h/a/queue', A],
    ['the base itself', 'http://h/a', A],
    ['the base with a query', 'http://h/a?x=1', A],
    ['a longer sibling is not under the base', 'http://h/ab/queue', undefined],
    ['dot segments', 'http://h/a/../b/queue', B],
    ['nested dot segments', 'http://h/a/x/../../b/queue', B],
    ['a single dot segment', 'http://h/a/./queue', A],
    ['percent-encoded dots', 'http://h/a/%2e%2e/b/queue', B],
    ['upper-case percent-encoded dots', 'http://h/a/%2E%2E/b/queue', B],
    ['half-encoded dots', 'http://h/a/.%2e/b/queue', B],
    ['an encoded single dot', 'http://h/a/%2e/queue', A],
    ['dots split by a tab (stripped by the parser)', 'http://h/a/.\t./b/queue', B],
    ['an encoded slash a decoding proxy routes elsewhere', 'http://h/a/..%2fb/queue', undefined],
    ['an encoded backslash a decoding proxy routes elsewhere', 'http://h/a/..%5Cb/queue', undefined],
    ['a double-encoded slash', 'http://h/a/..%252fb/queue', undefined],
    ['an encoded slash that stays under the base', 'http://h/a/userdata/workflows%2Fx.json', A],
    ['backslashes as separators', 'http://h/a\\..\\b\\queue', B],
    ['the case of scheme and host', 'HTTP://H/a/queue', A],
    ['path case is significant', 'http://h/A/queue', undefined],
    ['a default port', 'http://h:80/a/queue', A],
    ['a default TLS port', 'https://s.example:443/x', TLS],
    ['the wrong scheme for the port', 'http://s.example/x', undefined],
    ['an IPv6 host written another way', 'http://[0:0::1]:8188/queue', V6],
    ['a trailing dot on the host is another name', 'http://other.:8188/queue', undefined],
    ['userinfo that looks like the host', 'http://h@other:8188/queue', undefined],
    ['userinfo naming a server in front of another host', 'http://other:8188@h/a/queue', undefined],
    ['an @ in the first path segment is not the base segment', 'http://h/a@other:8188/queue', undefined],
    ['an @ further down the path', 'http://h/a/x@other:8188/queue', A],
    ['a scheme-relative URL (no base to resolve it)', '//other:8188/queue', undefined],
    ['another port', 'http://other:8189/queue', undefined],
    ['a javascript: URL', 'javascript:alert(1)', undefined],
    ['a file: URL', 'file:///etc/passwd', undefined],
    ['the socket URL of a server', 'ws://other:8188/ws?clientId=x', C],
    ['a TLS socket URL', 'wss://s.example/ws', TLS],
    ['garbage', 'not a url', undefined],
  ])('%s: %s → %s', (_, target, owner) => {
    expect(serverOfUrl(target, servers)).toBe(owner)
    for (const server of servers) expect(isUrlOnServer(target, server), server).toBe(server === owner)
  })

  it('takes the longest base path when servers nest', () => {
    expect(serverOfUrl('http://h/a/b/queue', ['http://h/a', 'http://h/a/b'])).toBe('http://h/a/b')
    expect(serverOfUrl('http://h/a/bc/queue', ['http://h/a', 'http://h/a/b'])).toBe('http://h/a')
  })
})

describe('resolveTarget', () => {
  it.each<[string, string | undefined, string]>([
    ['//other:8188/queue', 'http://page.example/app/', 'http://other:8188/queue'],
    ['\\\\other:8188\\queue', 'http://page.example/app/', 'http://other:8188/queue'],
    ['/\\other:8188/queue', 'http://page.example/app/', 'http://other:8188/queue'],
    ['queue', 'http://page.example/app/', 'http://page.example/app/queue'],
    ['http://h/a/%2e%2e/b', undefined, 'http://h/b'],
  ])('resolves %j against %j as the adapter does', (target, base, href) => {
    const resolved = resolveTarget(target, base)
    expect(resolved.ok && resolved.url.href).toBe(href)
  })

  it.each<[string, string]>([
    ['//other:8188/queue', 'not an absolute URL'],
    ['ftp://h/x', 'scheme'],
    ['http://user:pw@h/x', 'credentials'],
    ['http://[::1/x', 'not an absolute URL'],
  ])('refuses %j (%s)', (target, words) => {
    const resolved = resolveTarget(target)
    expect(resolved.ok).toBe(false)
    expect(!resolved.ok && resolved.reason).toContain(words)
    expect(!resolved.ok && resolved.reason).not.toContain('pw')
  })
})

describe('derived URLs with a query credential', () => {
  it('puts the token on the socket and /view URLs only when asked, and redacts it for display', () => {
    const auth = { param: 'token', value: 's3cr3t-t0ken' }
    expect(serverWsUrl('https://h/comfy', 'abc', auth)).toBe('wss://h/comfy/ws?clientId=abc&token=s3cr3t-t0ken')
    expect(serverViewUrl('http://a:8188', { filename: 'x.png' }, auth)).toBe('http://a:8188/view?filename=x.png&subfolder=&type=output&token=s3cr3t-t0ken')
    expect(redactUrl('wss://h/comfy/ws?clientId=abc&token=s3cr3t-t0ken')).toBe('wss://h/comfy/ws?clientId=abc&token=[redacted]')
    expect(redactUrl('http://u:p@h/x?a=1#frag')).toBe('http://[redacted]@h/x?a=[redacted]')
  })
})
