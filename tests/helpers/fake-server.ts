import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'

/** A bare HTTP server on loopback that answers as the test says: a proxy's error page, a redirect, garbage. */
export async function startFakeServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string, hits: string[], close: () => Promise<void> }> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*')
    res.setHeader('Access-Control-Allow-Headers', '*')
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end()
      return
    }
    handler(req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise(resolve => server.close(() => resolve())),
  }
}
