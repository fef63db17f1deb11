// The chaos run's environment behaves as a browser where it matters for "prompt ids sent more than once": a request
// aborted while its CORS preflight is unanswered is never sent. happy-dom 21 sent it anyway once the preflight was
// answered (and resolved its fetch); the client, which gives up on a POST /prompt at requestTimeout, checks that the
// server never had it and sends it again, so such a late original would queue the prompt twice, by the test
// environment. tests/helpers/happy-dom-abort.ts restores the browser's behaviour; this test failed without it (the
// server saw the POST and the fetch resolved).
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { sleep, waitFor } from '../helpers/wait'

let close: (() => void) | undefined
afterEach(() => {
  close?.()
  close = undefined
})

describe('happy-dom\'s fetch in the tests', () => {
  it('never sends a request aborted during its CORS preflight, and rejects it with AbortError', async () => {
    const seen: string[] = []
    let answerPreflight: (() => void) | undefined
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': '*' }
      if (req.method === 'OPTIONS') {
        answerPreflight = () => res.writeHead(200, cors).end()
        return
      }
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{}')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    close = () => server.close()
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prompt`

    const controller = new AbortController()
    const outcome = fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-client': 'c0' }, signal: controller.signal })
      .then(() => 'resolved', (error: Error) => error.name)
    await waitFor(() => answerPreflight !== undefined, 'the preflight', 10_000, 5)
    controller.abort()
    answerPreflight!()
    expect(await outcome).toBe('AbortError')
    // Sent, it would have gone out before its fetch settled (as it did: the fetch resolved with its answer). A moment
    // more for anything still on its way over the loopback.
    await sleep(100)
    expect(seen).toEqual(['OPTIONS /prompt'])
  })
})
