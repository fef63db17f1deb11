import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { createServer, request } from 'node:http'
import { connect } from 'node:net'

/**
 * A reverse proxy on loopback that serves several ComfyUIs under path prefixes of one origin (`/a/…` → the first
 * upstream, `/b/…` → the second), the common deployment the URL model must keep apart. Like nginx it percent-decodes
 * the path and merges dot segments before it routes, so `/a/..%2fb/queue` reaches `/b`. Socket upgrades are
 * forwarded the same way.
 */
export async function startPrefixProxy(routes: Record<string, string>): Promise<{ url: string, close: () => Promise<void> }> {
  /** The upstream and its path for a request, as the proxy routes it; undefined when no prefix matches. */
  const route = (url: string | undefined): { upstream: URL, path: string } | undefined => {
    const raw = new URL(url ?? '/', 'http://proxy')
    let path: string
    try {
      path = new URL(`http://proxy${decodeURIComponent(raw.pathname)}`).pathname
    }
    catch {
      return undefined
    }
    const prefix = Object.keys(routes).find(p => path === p || path.startsWith(`${p}/`))
    return prefix === undefined ? undefined : { upstream: new URL(routes[prefix]!), path: `${path.slice(prefix.length) || '/'}${raw.search}` }
  }
  const tunnels = new Set<Duplex>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Its own answers (404, 502) are readable cross-origin, as a browser app would see a real proxy's.
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*')
    res.setHeader('Access-Control-Allow-Headers', '*')
    const target = route(req.url)
    if (!target) {
      res.writeHead(404).end()
      return
    }
    const { upstream, path } = target
    const forwarded = request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path,
      headers: { ...req.headers, host: upstream.host },
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forwarded.on('error', () => {
      if (!res.headersSent)
        res.writeHead(502)
      res.end()
    })
    req.pipe(forwarded)
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {})
    const target = route(req.url)
    if (!target) {
      socket.destroy()
      return
    }
    const upstream = connect(Number(target.upstream.port), target.upstream.hostname, () => {
      const lines = [`${req.method ?? 'GET'} ${target.path} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i]!.toLowerCase() === 'host' ? target.upstream.host : req.rawHeaders[i + 1]}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length > 0)
        upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    tunnels.add(socket).add(upstream)
    const end = (): void => {
      socket.destroy()
      upstream.destroy()
      tunnels.delete(socket)
      tunnels.delete(upstream)
    }
    upstream.on('error', end).on('close', end)
    socket.on('close', end)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () => new Promise((resolve) => {
      for (const tunnel of tunnels) tunnel.destroy()
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
