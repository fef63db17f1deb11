// Chaos faults of the URL model: a client locked to one ComfyUI keeps aiming calls at another through every URL trick,
// while the run's other faults hit the servers; and aliases of one ComfyUI in the configuration.
//
// The trick client reaches the run's simulators through a reverse proxy that serves them under /s0, /s1, /s2 of one
// origin and, like nginx, decodes the path before routing (tests/helpers/prefix-proxy.ts): the deployment where dot
// segments and encoded separators cross servers. Each simulator has its own token. The trick client holds its lock
// through its open socket (an upload with a long releaseDelay: no task, so no prompt id in the run's ledger). Every
// trick carries an `x-chaos-trick` header: one seen by a simulator other than the locked one passed, and 0 may.
import type { AxiosRequestConfig } from 'axios'
import type { ComfySimulator } from '../../src/testing/index'
import type { Mounted } from '../helpers/mount-comfy'
import type { Invariant, Violation } from './invariants'
import { DuplicateServerError, isComfyTetherError, useComfyHttp } from '../../src/index'
import { mountComfy } from '../helpers/mount-comfy'
import { startPrefixProxy } from '../helpers/prefix-proxy'
import { pngBlob } from '../helpers/workflows'
import { sleep } from '../helpers/wait'

const TOKENS = ['chaos-trick-token-0', 'chaos-trick-token-1', 'chaos-trick-token-2', 'chaos-trick-token-3']
const TRICK_HEADER = 'x-chaos-trick'
const PAUSE_MS = 200

/** Every trick of aiming a call of a client locked to `/s<locked>` at `/s<other>` (or at the simulator itself). */
function tricks(proxy: string, direct: string, locked: number, other: number): [string, AxiosRequestConfig][] {
  const host = new URL(proxy).host
  const L = `${proxy}/s${locked}`
  const O = `/s${other}`
  return [
    ['absolute URL', { url: `${proxy}${O}/queue` }],
    ['scheme and host in upper case', { url: `${proxy.toUpperCase()}${O}/queue` }],
    ['scheme-relative URL', { url: `//${host}${O}/queue` }],
    ['userinfo naming the locked base', { url: `http://${host}@${host}${O}/queue` }],
    ['dot segments', { url: `${L}/..${O}/queue` }],
    ['percent-encoded dots', { url: `${L}/%2e%2e${O}/queue` }],
    ['upper-case percent-encoded dots', { url: `${L}/%2E%2E${O}/queue` }],
    ['half-encoded dots', { url: `${L}/.%2e${O}/queue` }],
    ['relative dot segments', { url: `..${O}/queue` }],
    ['relative dot segments after a slash', { url: `/..${O}/queue` }],
    ['relative encoded dots', { url: `%2e%2e${O}/queue` }],
    ['relative backslashes', { url: `..\\s${other}\\queue` }],
    ['an encoded slash the proxy decodes', { url: `..%2fs${other}/queue` }],
    ['a double-encoded slash', { url: `..%252fs${other}/queue` }],
    ['the other server as baseURL', { baseURL: `${proxy}${O}`, url: '/queue' }],
    ['a baseURL with dot segments', { baseURL: `${L}/..`, url: `${O}/queue` }],
    ['a scheme-relative baseURL', { baseURL: `//${host}${O}`, url: '/queue' }],
    ['the other server without the proxy', { url: `${direct}/queue` }],
  ]
}

/** The probe: fires rounds of tricks while the run goes on; `stop()` ends it and gives its invariants. */
export interface UrlTrickProbe {
  stop: () => Promise<{ invariants: Invariant[], violations: Violation[] }>
}

export async function startUrlTricks(sims: readonly ComfySimulator[], progress: (line: string) => void): Promise<UrlTrickProbe> {
  const violations: Violation[] = []
  // An alias of one ComfyUI in the configuration is refused at install, and nothing is sent.
  const before = sims.map(s => s.requests.length)
  const aliases: string[][] = [
    [sims[0]!.url, `${sims[0]!.url}/api`],
    [sims[0]!.url, `${sims[0]!.url.toUpperCase()}/`],
    [`${sims[1]!.url}/`, `${sims[1]!.url}/api/`],
  ]
  let aliasesAccepted = 0
  for (const servers of aliases) {
    try {
      mountComfy({ servers }).unmount()
      aliasesAccepted++
      violations.push({ check: 'alias accepted', detail: `installed with ${servers.join(' and ')}` })
    }
    catch (error) {
      if (!(error instanceof DuplicateServerError)) {
        aliasesAccepted++
        violations.push({ check: 'alias accepted', detail: `${servers.join(' and ')} failed with ${String(error)}, not DUPLICATE` })
      }
    }
  }
  const aliasRequests = sims.reduce((n, s, i) => n + s.requests.length - before[i]!, 0)

  const proxy = await startPrefixProxy(Object.fromEntries(sims.map((s, i) => [`/s${i}`, s.url])))
  const bases = sims.map((_, i) => `${proxy.url}/s${i}`)
  const mounted: Mounted = mountComfy({
    servers: bases.map((url, i) => ({ url, token: TOKENS[i] })),
    strategy: candidates => candidates[target]?.url,
    releaseDelay: 600_000,
  })
  const http = mounted.app.runWithContext(() => useComfyHttp())
  let target = 0
  let rounds = 0
  let fired = 0
  let refused = 0
  let stopped = false
  const sent: { id: string, trick: string, locked: number, other: number }[] = []

  const round = async (): Promise<void> => {
    const { store } = mounted
    target = rounds++ % sims.length
    await store.uploadImage(pngBlob().blob).catch(() => {})
    const deadline = Date.now() + 2000
    while (!stopped && store.socket.status !== 'OPEN' && Date.now() < deadline) await sleep(20)
    const lock = store.lock
    const locked = lock ? bases.indexOf(lock.server) : -1
    if (locked >= 0 && store.socket.status === 'OPEN') {
      for (let other = 0; other < sims.length; other++) {
        if (other === locked)
          continue
        for (const [trick, config] of tricks(proxy.url, sims[other]!.url, locked, other)) {
          // The interceptor runs synchronously inside request(): the lock seen here is the one it checks against.
          if (store.lock?.server !== bases[locked] || store.socket.status !== 'OPEN')
            break
          const id = `t${fired++}`
          sent.push({ id, trick, locked, other })
          const error = await http.request({ ...config, headers: { [TRICK_HEADER]: id }, timeout: 2000 }).then(() => undefined, (e: unknown) => e)
          if (isComfyTetherError(error, 'SERVER_MISMATCH') || isComfyTetherError(error, 'INVALID_SERVER_URL'))
            refused++
        }
      }
    }
    if (store.pendingCount === 0 && store.lock)
      store.release()
  }

  const loop = (async () => {
    while (!stopped) {
      await round().catch((error: unknown) => progress(`url tricks: a round failed: ${String(error)}`))
      await sleep(PAUSE_MS)
    }
  })()

  let stopping: Promise<{ invariants: Invariant[], violations: Violation[] }> | undefined
  return {
    stop: () => (stopping ??= finish()),
  }

  async function finish(): Promise<{ invariants: Invariant[], violations: Violation[] }> {
      stopped = true
      await loop
      mounted.unmount()
      await proxy.close()
      // Passed: a simulator other than the locked one saw the trick (directly or through the proxy).
      const byId = new Map(sent.map(s => [s.id, s]))
      let passed = 0
      for (const [i, sim] of sims.entries()) {
        for (const e of sim.requests) {
          const s = byId.get(e.headers?.[TRICK_HEADER] ?? '')
          if (s && i !== s.locked) {
            passed++
            if (violations.filter(v => v.check === 'url trick passed').length < 10)
              violations.push({ check: 'url trick passed', detail: `${s.trick} (${s.id}) from a client locked to /s${s.locked} reached ${sim.url}: ${e.method} ${e.path}` })
          }
        }
      }
      // Each simulator saw its own trick token at most, never another's.
      let foreignTokens = 0
      for (const [i, sim] of sims.entries()) {
        const text = JSON.stringify(sim.requests.map(r => ({ path: r.path, query: r.query, headers: r.headers })))
        for (const [j, token] of TOKENS.entries()) {
          if (j !== i && text.includes(token)) {
            foreignTokens++
            violations.push({ check: 'secret off its server', detail: `the token of /s${j} reached ${sim.url}` })
          }
        }
      }
      progress(`url tricks: ${sent.length} fired, ${refused} refused before sending, ${passed} passed`)
      const invariants: Invariant[] = [
        { name: 'URL tricks aimed at another server that reached it', value: passed, ok: passed === 0 && sent.length > 0 },
        { name: 'secrets seen by a server they do not belong to', value: foreignTokens, ok: foreignTokens === 0 },
        { name: 'alias URLs in the configuration accepted at install (or sent anything)', value: aliasesAccepted + aliasRequests, ok: aliasesAccepted + aliasRequests === 0 },
      ]
      return { invariants, violations }
  }
}
