// The node-info cache alone, over a scripted server: what it reads, what it shares, and which signs of a restart
// make it read a server again.
import type { ObjectInfo } from '../../src/core/object-info'
import { describe, expect, it } from 'vitest'
import { createNodeInfoCache, UNWATCHED_TRUST_MS } from '../../src/client/node-info-cache'

const HELLO = '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": "c"}}'

function scripted() {
  const defs: Record<string, Record<string, ObjectInfo[string]>> = {}
  const reads: string[] = []
  const open = new Set<string>()
  let clock = 1_000_000
  const def = (output: string): ObjectInfo[string] => ({ input: { required: {} }, output: [output] })
  const cache = createNodeInfoCache({
    one: async (server, name) => {
      reads.push(`${server} ${name}`)
      const node = defs[server]?.[name]
      return node ? { [name]: node } : {}
    },
    all: async server => ({ ...defs[server] }),
    watching: server => open.has(server),
  }, () => clock)
  return { cache, defs, reads, open, def, tick: (ms: number) => void (clock += ms) }
}

describe('the node-info cache', () => {
  it('reads each class once, shares one object for equal definitions on every server, and knows absent classes', async () => {
    const { cache, defs, reads, def } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    defs.b = { EmptyImage: def('IMAGE') }
    const [a, b] = await Promise.all([cache.get('a', ['EmptyImage', 'Custom']), cache.get('b', ['EmptyImage', 'Custom'])])
    await cache.get('a', ['EmptyImage', 'Custom'])
    expect(a).toBe(b)
    expect(Object.keys(a)).toEqual(['EmptyImage'])
    expect(reads.sort()).toEqual(['a Custom', 'a EmptyImage', 'b Custom', 'b EmptyImage'])
  })

  it('believes a read while the socket that watched the server since stays open, and reads again after a reconnect', async () => {
    const { cache, defs, reads, open, def, tick } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    await cache.get('a', ['EmptyImage'])
    open.add('a')
    cache.noteFrame('a', HELLO)
    tick(UNWATCHED_TRUST_MS * 10)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(1)
    cache.noteFrame('a', HELLO) // a reconnect: the server may have restarted
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(2)
  })

  it('reads again once no socket watches the server, or a restart is suspected', async () => {
    const { cache, defs, reads, open, def } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    open.add('a')
    cache.noteFrame('a', HELLO)
    await cache.get('a', ['EmptyImage'])
    open.delete('a') // our socket closed: a restart now would go unseen
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(2)
    open.add('a')
    await cache.get('a', ['EmptyImage'])
    cache.suspect('a') // a prompt number started over, a prompt was forgotten, a health check got no answer
    defs.a = { EmptyImage: def('LATENT') }
    expect((await cache.get('a', ['EmptyImage'])).EmptyImage?.output).toEqual(['LATENT'])
    expect(reads).toHaveLength(3)
  })

  it('reads again when the first hello after an unwatched read comes later than the trust window', async () => {
    const { cache, defs, reads, open, def, tick } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    await cache.get('a', ['EmptyImage']) // unwatched
    tick(10 * 60_000) // a restart in these 10 minutes would have gone unseen
    open.add('a')
    cache.noteFrame('a', HELLO)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(2)
    tick(UNWATCHED_TRUST_MS * 10)
    await cache.get('a', ['EmptyImage']) // read while watched: believed while that socket stays open
    expect(reads).toHaveLength(2)
  })

  it('believes an unwatched read through the first socket opened since, when its hello came within the window', async () => {
    const { cache, defs, reads, open, def, tick } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    await cache.get('a', ['EmptyImage'])
    tick(UNWATCHED_TRUST_MS / 2)
    open.add('a')
    cache.noteFrame('a', HELLO)
    tick(UNWATCHED_TRUST_MS * 10)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(1)
  })

  it('counts a clean close of our socket as a fresh read: believed for the window after it and through the next socket whose hello came in it', async () => {
    const { cache, defs, reads, open, def, tick } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    open.add('a')
    cache.noteFrame('a', HELLO)
    await cache.get('a', ['EmptyImage'])
    tick(60_000)
    cache.noteCleanClose('a') // our release: the socket watched until now
    open.delete('a')
    tick(UNWATCHED_TRUST_MS / 2)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(1)
    open.add('a') // the next lock's socket, its hello within the window
    cache.noteFrame('a', HELLO)
    tick(60_000)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(1)
    cache.noteCleanClose('a') // and again: each clean close renews it
    open.delete('a')
    tick(UNWATCHED_TRUST_MS + 1) // nothing watched the server since: a restart may have happened
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(2)
  })

  it('reads again after a clean close when the next socket says hello after the window', async () => {
    const { cache, defs, reads, open, def, tick } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    open.add('a')
    cache.noteFrame('a', HELLO)
    await cache.get('a', ['EmptyImage'])
    cache.noteCleanClose('a')
    open.delete('a')
    tick(UNWATCHED_TRUST_MS + 1)
    open.add('a')
    cache.noteFrame('a', HELLO)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(2)
  })

  it('does not renew what a socket that was not open watched', async () => {
    const { cache, defs, reads, open, def, tick } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    open.add('a')
    cache.noteFrame('a', HELLO)
    await cache.get('a', ['EmptyImage'])
    open.delete('a') // dropped (the server may be restarting), then we close what is left of it
    cache.noteCleanClose('a')
    tick(1)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(2)
  })

  it('keeps a read that was in flight while our socket closed cleanly as read at the close', async () => {
    const { cache, defs, reads, open, def, tick } = scripted()
    defs.a = { EmptyImage: def('IMAGE') }
    open.add('a')
    cache.noteFrame('a', HELLO)
    const reading = cache.get('a', ['EmptyImage'])
    cache.noteCleanClose('a')
    open.delete('a')
    await reading
    tick(UNWATCHED_TRUST_MS / 2)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(1)
    tick(UNWATCHED_TRUST_MS)
    await cache.get('a', ['EmptyImage'])
    expect(reads).toHaveLength(2)
  })
})
