// The URL model in a browser-like page (happy-dom: a window at http://localhost:3000, axios's fetch adapter, as in a
// browser): a scheme-relative URL is resolved against the page, exactly as fetch resolves it, so it is another host,
// never a path of the locked server. Before, `//other/queue` was joined onto the locked server by the check and then
// sent to the other host by fetch, with the locked server's token.
import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError, useComfyHttp } from '../../src/index'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  unmountAll()
  for (const close of cleanup) await close()
  cleanup = []
})

const TOKENS = ['trick-token-alpha', 'trick-token-bravo']

async function setup() {
  const { sims, urls, close } = await startSimulators(2, { speed: 20 })
  cleanup.push(close)
  const mounted = mountComfy({
    servers: urls.map((url, i) => ({ url, token: TOKENS[i] })),
    strategy: candidates => candidates[0]?.url,
  })
  const http = mounted.app.runWithContext(() => useComfyHttp())
  return { sims, urls, http, ...mounted }
}

describe('scheme-relative and page-relative targets in the browser\'s adapter', () => {
  it('resolves //host against the page: another configured server gets its own token, never the fallback\'s', async () => {
    const { sims, urls, http } = await setup()
    await http.get(`${urls[1]!.replace(/^http:/, '')}/prompt`)
    const got = sims[1]!.requests.filter(r => r.method === 'GET')
    expect(got.map(r => [r.path, r.headers?.authorization])).toEqual([['/prompt', `Bearer ${TOKENS[1]}`]])
    expect(sims[0]!.requests).toEqual([])
  })

  it.each<[string, (urls: string[]) => { url: string, baseURL?: string }]>([
    ['a scheme-relative URL', urls => ({ url: `${urls[1]!.replace(/^http:/, '')}/queue` })],
    ['a scheme-relative baseURL', urls => ({ baseURL: urls[1]!.replace(/^http:/, ''), url: '/queue' })],
    ['a page-relative baseURL', () => ({ baseURL: '/', url: '/queue' })],
    ['userinfo in front of the other server', urls => ({ url: `http://${new URL(urls[0]!).host}@${new URL(urls[1]!).host}/queue` })],
  ])('refuses %s while locked, and the other server sees nothing', async (_, make) => {
    const { sims, urls, http, store } = await setup()
    const slow = await store.submit(slowWorkflow(4, 20))
    await waitFor(() => slow.task.value?.state === 'running', 'the task to run')
    const before = sims[1]!.requests.length
    const error = await http.get(make(urls).url, { baseURL: make(urls).baseURL }).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'SERVER_MISMATCH') || isComfyTetherError(error, 'INVALID_SERVER_URL'), String(error)).toBe(true)
    expect(sims[1]!.requests.length).toBe(before)
    expect(store.log.at(-1)?.kind).toBe('refuse')
    await store.cancel(slow.promptId)
  })
})
