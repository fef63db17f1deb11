// Credentials for what the browser opens itself: a socket and an <img src> cannot carry headers, so a server behind an
// auth proxy may get its token as a query parameter (opt-in, `auth: { query: 'token' }`), on its socket URL and its
// /view URLs only. The simulators run in auth mode: without the token they answer 401, the upgrade too. For servers
// that accept headers only, loadImage() fetches an output with the headers into a revocable object URL.
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { startSimulators } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { pngBlob, slowWorkflow } from '../helpers/workflows'
import { waitFor } from '../helpers/wait'

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  unmountAll()
  for (const close of cleanup) await close()
  cleanup = []
})

const TOKENS = ['query-token-alpha-77', 'query-token-bravo-88']

async function setup(query: string | false) {
  const { sims, urls, close } = await startSimulators(2, i => ({ speed: 20, auth: { token: TOKENS[i]!, query } }))
  cleanup.push(close)
  let target = 0
  const logged: unknown[][] = []
  const keep = (...args: unknown[]): void => void logged.push(args)
  const mounted = mountComfy({
    servers: urls.map((url, i) => ({ url, token: TOKENS[i], ...(query ? { auth: { query } } : {}) })),
    strategy: candidates => candidates[target]?.url,
    logger: { debug: keep, info: keep, warn: keep, error: keep },
  })
  return { sims, urls, logged, ...mounted, lockTo: (i: number) => void (target = i) }
}

describe('a query credential for the socket and /view URLs', () => {
  it('puts the token on the URLs of handle.workflow.outputs.files too, so they load through the auth proxy', async () => {
    const { store, lockTo } = await setup('token')
    lockTo(0)
    const handle = await store.submit(slowWorkflow(2, 0.2, 0x31))
    const result = await handle.result
    const files = handle.workflow.value?.outputs.files ?? []
    expect(files).toHaveLength(1)
    expect(files[0]!.url).toBe(result.imageUrls[0])
    const image = await fetch(files[0]!.url)
    expect(image.status).toBe(200)
    expect(result.files.map(f => f.url)).toEqual(files.map(f => f.url))
  })

  it('opens the socket and loads outputs of a token-protected server, each with its own token only', async () => {
    const { sims, urls, store, logged, lockTo } = await setup('token')
    for (const i of [0, 1]) {
      lockTo(i)
      const slow = await store.submit(slowWorkflow(4, 4, 0x10 + i))
      await waitFor(() => store.socket.status === 'OPEN', 'the socket to open')
      // What the console and the lock log show: never the token.
      expect(store.debugLock().socket?.url).toMatch(/token=\[redacted\]/)
      const { imageUrls } = await slow.result
      expect(imageUrls[0]).toContain(`token=${TOKENS[i]}`)
      // What an <img src> does: a plain GET without headers.
      const image = await fetch(imageUrls[0]!)
      expect(image.status).toBe(200)
      expect(image.headers.get('content-type')).toBe('image/png')
      expect(store.viewUrl(store.taskList[0]!.images[0]!, store.taskList[0])).toBe(imageUrls[0])
      await waitFor(() => store.lock === null, 'the release')
      const opens = sims[i]!.requests.filter(r => r.kind === 'ws-open')
      expect(opens.length).toBeGreaterThan(0)
      for (const open of opens) expect(open.query?.token).toBe(TOKENS[i])
      expect(sims[i]!.requests.filter(r => r.status === 401)).toEqual([])
    }
    expect(urls).toHaveLength(2)
    // Each server's token reached that server only.
    expect(JSON.stringify(sims[0]!.requests)).not.toContain(TOKENS[1])
    expect(JSON.stringify(sims[1]!.requests)).not.toContain(TOKENS[0])
    // Nowhere on the client's side: the log, the logger, the debug snapshot, the task list.
    const visible = [JSON.stringify(store.log), inspect(logged, { depth: 12 }), JSON.stringify(store.debugLock()), JSON.stringify(store.taskList)].join('\n')
    for (const token of TOKENS) expect(visible).not.toContain(token)
  })

  it('keeps the token out of the errors of a /view load that fails', async () => {
    const { store, urls } = await setup('token')
    const error = await store.loadImage({ filename: 'missing.png', subfolder: '', type: 'output' }, urls[0]).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'REQUEST_FAILED', status: 404 })
    for (const text of [JSON.stringify(error), inspect(error, { depth: 12 }), String(error)]) expect(text).not.toContain(TOKENS[0])
  })

  it('refuses a query parameter without a token or with a name comfy-tether uses itself', () => {
    expect(() => mountComfy({ servers: [{ url: 'http://a:1', auth: { query: 'token' } }] })).toThrow(/auth\.query needs the server's `token`/)
    expect(() => mountComfy({ servers: [{ url: 'http://a:1', token: 'secret-t', auth: { query: 'clientId' } }] })).toThrow(/auth\.query/)
    expect(() => mountComfy({ servers: [{ url: 'http://a:1', token: 'secret-t', auth: { query: 'a b' } }] })).toThrow(/auth\.query/)
  })
})

describe('loadImage() for servers that accept headers only', () => {
  it('loads an image with the server\'s headers into a revocable object URL; no token in any URL', async () => {
    const { sims, store } = await setup(false)
    const { blob } = pngBlob(6, 6)
    const uploaded = await store.uploadImage(new File([blob], 'mine.png', { type: 'image/png' }))
    const image = { filename: uploaded.name, subfolder: uploaded.subfolder, type: uploaded.type }
    expect(store.viewUrl(image, uploaded.server)).not.toContain('token')
    const loaded = await store.loadImage(image, uploaded.server)
    expect(loaded.url).toMatch(/^blob:/)
    expect(loaded.blob.type).toBe('image/png')
    expect(loaded.blob.size).toBe(blob.size)
    const view = sims[0]!.requests.find(r => r.path === '/view' && r.method === 'GET')
    expect(view?.headers?.authorization).toBe(`Bearer ${TOKENS[0]}`)
    expect(view?.query?.token).toBeUndefined()
    loaded.revoke()
    loaded.revoke()
    await expect(store.loadImage(image, 'http://127.0.0.1:1')).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' })
  })

  it('refuses to build a /view URL or load an image on a server that is not configured, however it is spelled', async () => {
    const { urls, store } = await setup(false)
    const image = { filename: 'x.png', subfolder: '', type: 'output' }
    expect(() => store.viewUrl(image, 'http://elsewhere:8188')).toThrow(/not a configured server/)
    expect(store.viewUrl(image, `${urls[0]}/api/../`)).toBe(`${urls[0]}/view?filename=x.png&subfolder=&type=output`)
  })
})
