import { describe, expect, it } from 'vitest'
import { createPlainPathOwner, isAbsoluteUrl, isPlainPath, joinedTarget, ownerOfRequest } from '../../src/core/request-target'
import { ownerOf, resolveTarget, serverOfUrl } from '../../src/core/server-url'

// The fast paths skip the WHATWG parse for the common request. They must never give an answer the full URL model would
// not: here both run on the same inputs, tricky ones included, and the fast path either agrees or stays silent.

const ROOT = 'http://h:8188'
const A = 'http://h/comfy/a'
const B = 'http://h/comfy/b'
const COMFY = 'http://h/comfy'
const COMFYX = 'http://h/comfyx'
const OTHER = 'http://other:8188'
const TLS = 'https://s.example/gpu'
const SERVERS = [ROOT, A, B, COMFYX, OTHER, TLS]

/** The full model's owner of a request, or `'refused'` when the target cannot be sent at all. */
function fullOwner(baseURL: string | undefined, url: string, servers: readonly string[]): string | undefined {
  const target = ownerOfRequest(baseURL, url, undefined, servers)
  return target.ok ? target.owner : 'refused'
}

describe('the request fast path agrees with the full URL model', () => {
  it.each<[string, string, string]>([
    ['a path', A, '/queue'],
    ['a nested path', A, '/history/abc'],
    ['a path with a query', A, '/view?filename=x.png&subfolder=../..'],
    ['a query with dots, slashes and encodings', A, '/view?x=/../../b/%2e%2e'],
    ['a fragment', A, '/queue#../../b'],
    ['a path with @', A, '/@other:8188/queue'],
    ['a path with a colon', A, '/x:y'],
    ['a root server', ROOT, '/prompt'],
    ['a server over TLS with a prefix', TLS, '/queue'],
    ['a server whose name starts like another', COMFYX, '/queue'],
    ['a path with a space and non-ASCII letters', A, '/ é x'],
    ['a path with a doubled slash inside', A, '/x//y'],
  ])('answers for %s, as the full model does', (_, base, url) => {
    const fast = createPlainPathOwner()(base, url, SERVERS)
    expect(fast).toBe(base)
    expect(fullOwner(base, url, SERVERS)).toBe(fast)
  })

  it.each<[string, string | undefined, string, readonly string[]]>([
    ['dot segments', A, '/../b/queue', SERVERS],
    ['a dot segment at the end', A, '/..', SERVERS],
    ['a single dot segment', A, '/./queue', SERVERS],
    ['percent-encoded dots', A, '/%2e%2e/b/queue', SERVERS],
    ['upper-case percent-encoded dots', A, '/%2E%2E/b/queue', SERVERS],
    ['half-encoded dots', A, '/.%2e/b/queue', SERVERS],
    ['an encoded slash', A, '/..%2fb/queue', SERVERS],
    ['an encoded percent sign', A, '/%252e%252e/b/queue', SERVERS],
    ['backslashes', A, '/..\\b\\queue', SERVERS],
    ['a leading backslash', A, '/\\other:8188/queue', SERVERS],
    ['a scheme-relative URL', A, '//other:8188/queue', SERVERS],
    ['an absolute URL of another server', A, 'http://other:8188/queue', SERVERS],
    ['userinfo in front of another host', A, 'http://h@other:8188/queue', SERVERS],
    ['a path without a leading slash', A, '../b/queue', SERVERS],
    ['a tab inside the path', A, '/.\t./b/queue', SERVERS],
    ['a newline inside the path', A, '/\n../b', SERVERS],
    ['no baseURL', undefined, '/queue', SERVERS],
    ['a baseURL that is not configured', 'http://h/comfy/c', '/queue', SERVERS],
    ['a baseURL with a trailing slash', `${A}/`, '/queue', SERVERS],
    ['a baseURL with dot segments', `${A}/..`, '/b/queue', SERVERS],
    ['a parent of a configured server', COMFY, '/a/queue', [...SERVERS, COMFY]],
    ['a root server with a server nested under it', ROOT, '/comfy/queue', [ROOT, `${ROOT}/comfy`]],
    ['a server with an encoded slash in its prefix', 'http://h/a%2fb', '/queue', ['http://h/a', 'http://h/a%2fb']],
    ['a server not in canonical form', 'http://h', '/a/queue', ['http://h', 'HTTP://h/a']],
    ['a server with its default port written out', 'http://h:80/a', '/queue', ['http://h:80/a']],
  ])('leaves %s to the full model', (_, base, url, servers) => {
    expect(createPlainPathOwner()(base, url, servers)).toBeUndefined()
  })

  it('never disagrees on a sweep of bases, paths and server lists, and answers for most plain paths', () => {
    const segments = ['', 'queue', '..', '.', '%2e%2e', '%2E.', '..%2f', '%2f', '%5c', '\\', 'a', 'b', 'comfy', 'comfyx', 'x@y', '?q=..', '#..', '//', ':']
    const lists: readonly string[][] = [SERVERS, [A, B], [COMFY, A], [ROOT, A, OTHER], ['http://h/a%2fb', 'http://h/a'], [A.toUpperCase(), A]]
    let answered = 0
    let disagreements: string[] = []
    for (const servers of lists) {
      const fast = createPlainPathOwner()
      for (const base of [...servers, COMFY, `${A}/`, undefined]) {
        for (const first of segments) {
          for (const second of segments) {
            for (const url of [`/${first}/${second}`, `/${first}${second}`, `${first}/${second}`]) {
              const quick = fast(base, url, [...servers]) // a new array per call, as a getter may return
              if (quick === undefined)
                continue
              answered++
              const full = fullOwner(base, url, servers)
              if (full !== quick)
                disagreements.push(`${base} + ${url} in [${servers.join(', ')}]: fast ${quick}, full ${full}`)
            }
          }
        }
      }
    }
    disagreements = disagreements.slice(0, 10)
    expect(disagreements).toEqual([])
    expect(answered).toBeGreaterThan(500)
  })

  it('notices a changed server list even when the getter returns the same array', () => {
    const servers = [A]
    const fast = createPlainPathOwner()
    expect(fast(A, '/queue', servers)).toBe(A)
    const grown = [...servers, `${A}/queue`]
    expect(fast(A, '/queue/x', grown)).toBeUndefined()
    expect(fullOwner(A, '/queue/x', grown)).toBe(`${A}/queue`)
  })
})

describe('the URL fast path of serverOfUrl agrees with the full URL model', () => {
  it.each<[string, string, readonly string[]]>([
    ['a URL under a server', `${A}/queue`, SERVERS],
    ['the server itself', A, SERVERS],
    ['a sibling that starts like the server', 'http://h/comfyx/queue', SERVERS],
    ['dot segments out of the prefix', `${A}/../b/queue`, SERVERS],
    ['encoded dots', `${A}/%2e%2e/b/queue`, SERVERS],
    ['an encoded slash', `${A}/..%2fb/queue`, SERVERS],
    ['a longer port', 'http://h:81880/queue', SERVERS],
    ['userinfo', 'http://h:8188@other:8188/queue', SERVERS],
    ['a nested server', `${ROOT}/comfy/queue`, [ROOT, `${ROOT}/comfy`]],
    ['a server with an encoded slash in its prefix', 'http://h/a%2fb/queue', ['http://h/a', 'http://h/a%2fb']],
    ['a server not in canonical form', 'http://h/a/queue', ['http://h', 'http://h/a/']],
    ['a server in upper case', 'HTTP://H/A/queue', ['HTTP://H/A']],
  ])('%s', (_, url, servers) => {
    const resolved = resolveTarget(url)
    const full = resolved.ok ? ownerOf(resolved.url, servers) : undefined
    expect(serverOfUrl(url, servers)).toBe(full)
  })
})

describe('the pieces the fast path is built from', () => {
  it.each<[string, boolean]>([
    ['/queue', true],
    ['/view?filename=../x', true],
    ['/', true],
    ['', false],
    ['queue', false],
    ['//host/x', false],
    ['/\\host/x', false],
    ['/a/../b', false],
    ['/a/%2e', false],
    ['/a\\b', false],
    ['/a\tb', false],
  ])('isPlainPath(%j) is %s', (url, plain) => {
    expect(isPlainPath(url)).toBe(plain)
  })

  it('joins and tells absolute URLs apart as axios does', () => {
    expect(isAbsoluteUrl('/queue')).toBe(false)
    expect(isAbsoluteUrl('//h/queue')).toBe(true)
    expect(isAbsoluteUrl('HTTP://h')).toBe(true)
    expect(isAbsoluteUrl('mailto:x')).toBe(false)
    expect(joinedTarget('http://h/a/', '//b/queue', false)).toBe('http://h/a/b/queue')
    expect(joinedTarget('http://h/a', 'http://o/x', undefined)).toBe('http://o/x')
    expect(joinedTarget('http://h/a', '', undefined)).toBe('http://h/a')
  })
})
