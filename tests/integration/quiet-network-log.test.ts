// Expected failed requests in passing tests print nothing, and everything else still shows
// (comfy-tether/testing's quietHappyDomNetworkLog, installed for the happy-dom projects by its vitest-setup entry).
import type { AddressInfo } from 'node:net'
import nodeConsole from 'node:console'
import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { isHappyDomNetworkLog } from '../../src/testing/quiet-network-log'

/** Everything written to the process's stdout and stderr while `run` runs. */
async function printedDuring(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = []
  const streams = [process.stdout, process.stderr]
  const originals = streams.map(s => s.write)
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(String(chunk))
      return true
    }) as typeof stream.write
  }
  try {
    await run()
  }
  finally {
    streams.forEach((s, i) => { s.write = originals[i]! })
  }
  return chunks.join('')
}

const servers: ReturnType<typeof createServer>[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => new Promise(resolve => s.close(resolve))))
})

async function listen(status: number, cors = true): Promise<string> {
  const server = createServer((req, res) => {
    res.writeHead(req.method === 'OPTIONS' ? 204 : status, cors
      ? {
          'Access-Control-Allow-Origin': req.headers.origin ?? '*',
          'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
          'Access-Control-Allow-Headers': 'Content-Type',
        }
      : {})
    res.end(req.method === 'OPTIONS' ? undefined : '{}')
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A loopback port nothing listens on any more. */
async function closedPort(): Promise<string> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

describe('happy-dom\'s echo of failed requests', () => {
  it('tells its status lines and network errors from other console lines', () => {
    expect(isHappyDomNetworkLog(['POST http://127.0.0.1:8188/prompt 500 (Internal Server Error)'])).toBe(true)
    expect(isHappyDomNetworkLog([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })])).toBe(true)
    expect(isHappyDomNetworkLog(['Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "http://127.0.0.1:8188/prompt".'])).toBe(true)
    expect(isHappyDomNetworkLog(['[comfy-tether] POST /prompt 500'])).toBe(false)
    expect(isHappyDomNetworkLog([new Error('boom')])).toBe(false)
    expect(isHappyDomNetworkLog(['GET http://x/ 404 (Not Found)', 'more'])).toBe(false)
  })

  it('prints nothing for a refused connection or a 500, while the caller still gets the failure', async () => {
    const refused = await closedPort()
    const failing = await listen(500)
    let status = 0
    let rejection: unknown
    const printed = await printedDuring(async () => {
      rejection = await fetch(`${refused}/prompt`, { method: 'POST', body: '{}' }).then(() => undefined, (error: unknown) => error)
      status = (await fetch(`${failing}/prompt`, { method: 'POST', body: '{}' })).status
    })
    expect(String(rejection)).toContain('ECONNREFUSED')
    expect(status).toBe(500)
    expect(printed).toBe('')
  })

  it('prints nothing for a response the CORS check refuses, while the caller still gets the failure', async () => {
    const noCors = await listen(200, false)
    let rejection: unknown
    const printed = await printedDuring(async () => {
      rejection = await fetch(`${noCors}/prompt`, { method: 'POST', body: '{}' }).then(() => undefined, (error: unknown) => error)
    })
    expect(String(rejection)).toContain('Cross-Origin Request Blocked')
    expect(printed).toBe('')
  })

  it('still prints any other warning on the console happy-dom writes to', async () => {
    const printed = await printedDuring(async () => {
      nodeConsole.warn('an unexpected warning')
    })
    expect(printed).toContain('an unexpected warning')
  })

  it('still prints any other error line on the console happy-dom writes to', async () => {
    const printed = await printedDuring(async () => {
      nodeConsole.error('an unexpected problem')
    })
    expect(printed).toContain('an unexpected problem')
  })
})
