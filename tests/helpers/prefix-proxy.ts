import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, request } from 'node:http'

/**
 * A reverse proxy on loopback that serves several ComfyUIs under path prefixes of one origin (`/a/…` → the first
 * upstream, `/b/…` → the second), the common deployment the URL model must keep apart. Like nginx it percent-decodes
 * the path and merges dot segments before it routes, so `/a/..%2fb/queue` reaches `/b`.
 */
export async function startPrefixProxy(routes: Record<string, string>): Promise<{ url: string, close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const raw = new URL(req.url ?? '/', 'http://proxy')
    let path: string
    try {
      path = new URL(`http://proxy${decodeURIComponent(raw.pathname)}`).pathname
    }
    catch {
      res.writeHead(400).end()
      return
    }
    const prefix = Object.keys(routes).find(p => path === p || path.startsWith(`${p}/`))
    if (!prefix) {
      res.writeHead(404).end()
      return
    }
    const upstream = new URL(routes[prefix]!)
    const forwarded = request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: `${path.slice(prefix.length) || '/'}${raw.search}`,
      headers: { ...req.headers, host: upstream.host },
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forwarded.on('error', () => res.writeHead(502).end())
    req.pipe(forwarded)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
