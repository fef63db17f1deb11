// ComfyUI has no XSRF token: the headers a server gets come from its own `headers`/`token` options only. axios, left
// to its default, copies the page's XSRF cookie into an `X-XSRF-TOKEN` header of every same-origin request (and, to
// decide, resolves each URL against document.baseURI and reads document.cookie).
import type { IncomingHttpHeaders } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startFakeServer } from '../helpers/fake-server'

/** happy-dom's control of the page (the vue project runs in happy-dom). */
const happyDOM = (window as unknown as { happyDOM: { setURL: (url: string) => void } }).happyDOM
const pageUrl = window.location.href
let stop: (() => Promise<void>) | undefined
afterEach(async () => {
  document.cookie = 'XSRF-TOKEN=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'
  happyDOM.setURL(pageUrl)
  await stop?.()
  stop = undefined
})

describe('the page\'s XSRF cookie', () => {
  it('is never copied into a request to a ComfyUI server on the page\'s own origin', async () => {
    const seen: IncomingHttpHeaders[] = []
    const server = await startFakeServer((req, res) => {
      seen.push(req.headers)
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ exec_info: { queue_remaining: 0 } }))
    })
    stop = server.close
    happyDOM.setURL(`${server.url}/app/`)
    document.cookie = 'XSRF-TOKEN=app-session-secret; path=/'
    expect(document.cookie).toContain('app-session-secret')
    // axios reads the page's origin when it loads: load it (and the client) fresh, on the server's origin.
    vi.resetModules()
    const { createComfyHttp } = await import('../../src/http/create-comfy-http')
    const { http, dispose } = createComfyHttp({ lockedServer: () => server.url, taskServer: () => undefined, servers: () => [server.url] })
    try {
      const res = await http.get('/prompt')
      expect(res.status).toBe(200)
    }
    finally {
      dispose()
    }
    expect(seen).toHaveLength(1)
    expect(seen[0]!['x-xsrf-token']).toBeUndefined()
  })
})
